/**
 * `sigmawatch config [--config FILE] [--set key=value]...`: validates a configuration the way
 * `run` does and prints the effective result (every layer applied, defaults filled in, durations
 * in ms, the SASL password masked). For CI checks of a config before it is deployed.
 */
import { stringify } from 'yaml';
import type { Config } from '../config/index.js';
import { CONFIG_OPTIONS, loadConfigFromFlags, parse, reportError } from './args.js';

const USAGE = `Usage: sigmawatch config [--config FILE] [--set key=value]...

Validates the configuration exactly as 'sigmawatch run' would (config/default.yaml, your file,
SIGMAWATCH_* environment variables, --set flags) and prints the configuration the program would
use, as YAML: its own field names (camelCase), durations in ms, rules resolved (matchers, tiers,
holds), the SASL password masked. Exit code 0 when valid, 2 with every problem listed
when not: use it in CI before deploying a config.`;

export async function configCommand(args: string[]): Promise<number> {
  try {
    const { values } = parse(args, CONFIG_OPTIONS);
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    process.stdout.write(stringify(redacted(loadConfigFromFlags(values))));
    return 0;
  } catch (e) {
    return reportError(e, 'config');
  }
}

function redacted(c: Config): unknown {
  const sasl = c.kafka.sasl === null ? null : { ...c.kafka.sasl, password: c.kafka.sasl.password === '' ? '' : '********' };
  return { ...c, kafka: { ...c.kafka, sasl } };
}
