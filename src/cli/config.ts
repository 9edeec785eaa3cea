/**
 * `sigmawatch config [--config FILE] [--set key=value]...`: validates a configuration the way
 * `run` does and prints the effective result as a configuration file (every layer applied,
 * defaults filled in, the SASL password masked) that loads back to the same configuration. For CI
 * checks of a config before it is deployed.
 */
import { stringify } from 'yaml';
import type { Config } from '../config/index.js';
import { configToInput } from '../config/to-input.js';
import { CONFIG_OPTIONS, loadConfigFromFlags, parse, reportError } from './args.js';

const USAGE = `Usage: sigmawatch config [--config FILE] [--set key=value]...

Validates the configuration exactly as 'sigmawatch run' would (config/default.yaml, your file,
SIGMAWATCH_* environment variables, --set flags) and prints the configuration the program would
use, as a configuration file: every key spelled out with the value in force (matchers as one
selector, tiers as severities), the SASL password masked. Fed back with --config, it loads to
the same configuration. Exit code 0 when valid, 2 with every problem listed when not: use it in
CI before deploying a config.`;

export async function configCommand(args: string[]): Promise<number> {
  try {
    const { values } = parse(args, CONFIG_OPTIONS);
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    process.stdout.write(stringify(configToInput(redacted(loadConfigFromFlags(values)))));
    return 0;
  } catch (e) {
    return reportError(e, 'config');
  }
}

function redacted(c: Config): Config {
  const sasl = c.kafka.sasl === null ? null : { ...c.kafka.sasl, password: c.kafka.sasl.password === '' ? '' : '********' };
  return { ...c, kafka: { ...c.kafka, sasl } };
}
