#!/usr/bin/env node
/**
 * The `sigmawatch` command: dispatches to one subcommand and exits with its code.
 * Each subcommand lives in its own module and is loaded only when used (fast --help, small start).
 */
import { readFileSync } from 'node:fs';

const USAGE = `Usage: sigmawatch <command> [options]

Stream-processing anomaly detector: per-series baselines and scores, alert events out.

Commands:
  run          the worker: consume samples from Kafka, publish alert events
  relay        deliver the alerts topic to Alertmanager (API v2), as Prometheus does
  ingest       read a pipeline topic (OTLP, Prometheus adapter, Telegraf, Vector), key samples by series
  replay       run the rules over CSV / NDJSON files, alerts as JSON lines (no Kafka)
  review       the alert review: pages, flaps, durations and noisiest series per rule
  test-rules   rule unit tests from YAML files (expected alerts at given steps)
  produce      synthetic telemetry load generator (samples into the metrics topic)
  demo         end to end on the local broker: producer + worker + readable alerts
  config       validate a configuration and print the effective one (for CI)
  broker       start | stop | status of the local single-node Kafka

Run 'sigmawatch <command> --help' for a command's options.`;

type Command = (args: string[]) => Promise<number>;

// kafkajs 2 warns about its partitioner change on every producer; sigmawatch uses the default
// (murmur2, as the Java client) on purpose.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const COMMANDS: Record<string, () => Promise<Command>> = {
  replay: async () => (await import('./replay.js')).replayCommand,
  broker: async () => (await import('./broker.js')).brokerCommand,
  run: async () => (await import('./run.js')).runCommand,
  demo: async () => (await import('./demo.js')).demoCommand,
  'test-rules': async () => (await import('./test-rules.js')).testRulesCommand,
  produce: async () => (await import('./produce.js')).produceCommand,
  config: async () => (await import('./config.js')).configCommand,
  relay: async () => (await import('./relay.js')).relayCommand,
  ingest: async () => (await import('./ingest.js')).ingestCommand,
  review: async () => (await import('./review.js')).reviewCommand,
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    process.stderr.write(`sigmawatch: unknown command ${JSON.stringify(name)}\n\n${USAGE}\n`);
    return 2;
  }
  return (await load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Exit on our own once done: a client library's lingering timer must not keep a finished
    // command alive (unref: a clean process exits at once without waiting for this).
    setTimeout(() => process.exit(code), 1000).unref();
  },
  (e: unknown) => {
    process.stderr.write(`sigmawatch: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
