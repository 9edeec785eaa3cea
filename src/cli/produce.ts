/**
 * `sigmawatch produce [options]`
 *
 * Synthetic telemetry into the metrics topic: seeded series with seasonality and noise, spikes and
 * dips injected at a given rate (recorded, optionally to an NDJSON file, so they can be checked
 * against the alerts later). Bounded by a sample count or a duration; Ctrl-C stops it cleanly.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

import kafkajs from 'kafkajs';

import { resolveBrokers } from '../broker/index.js';
import { parseDuration, DURATION_HELP } from '../config/duration.js';
import type { Config } from '../config/index.js';
import { createLogger } from '../observe/logger.js';
import { produceLoad, PRODUCE_DEFAULTS, type ProduceOptions, type ProduceReport } from '../produce/producer.js';
import { SAMPLE_FORMATS, type SampleFormat } from '../produce/records.js';
import { GENERATOR_DEFAULTS, type InjectedAnomaly } from '../produce/generator.js';
import { fmt } from '../replay/summary.js';
import { CONFIG_OPTIONS, UsageError, loadConfigFromFlags, parse, reportError } from './args.js';
import { Progress } from './output.js';
import { kafkaConnection } from '../kafka/connection.js';

const { Kafka, logLevel } = kafkajs;

const DEFAULT_SERIES = 1000;
/** Without --samples or --duration: this many samples per series (enough to pass a 120-sample window). */
const DEFAULT_ROUNDS = 200;
const DEFAULT_ANOMALY_RATE = 0.0005;

const USAGE = `Usage: sigmawatch produce [options]

Writes synthetic metric samples to the metrics topic: N seeded series (base level, daily
seasonality, Gaussian noise) with spikes and dips of a given size injected at a given rate.
The same --seed gives the same series, values and anomalies. Stops after --samples or
--duration, whichever comes first, or on Ctrl-C; prints a summary on stderr.

Options:
      --series N         number of series (default ${DEFAULT_SERIES})
      --samples N        stop after N samples (default: series × ${DEFAULT_ROUNDS}, unless --duration is given)
      --duration D       stop after D of wall time, e.g. 30s, 5m
      --rate N           samples per second; 0 = as fast as the broker takes them (default 0)
      --format F         ${SAMPLE_FORMATS.join(' | ')} (default compact)
      --points K         points per record for compact-multi (default ${PRODUCE_DEFAULTS.pointsPerRecord})
      --interval D       sample-time spacing of a series' samples (default 1s)
      --anomaly-rate P   probability that a sample is a spike or dip, 0 ≤ P ≤ 1 (default ${DEFAULT_ANOMALY_RATE})
      --anomaly-sigma S  size of spikes and dips in noise σ (default ${GENERATOR_DEFAULTS.anomalySigma})
      --seed N           random seed (default ${GENERATOR_DEFAULTS.seed})
      --topic NAME       target topic (default: kafka.topics.metrics)
      --anomalies FILE   write every injected anomaly as a JSON line:
                         {"series","ts","value","expected","sign","sigma"}
  -c, --config FILE      configuration file (kafka.*); defaults: config/default.yaml
      --set KEY=VALUE    override one key, e.g. --set kafka.partitions=12 (repeatable)
  -h, --help             this text

Brokers: $KAFKA_BROKERS, else kafka.brokers, else the background broker of 'sigmawatch broker
start', else a local broker started for this run. A missing topic is created when
kafka.create_topics is true (kafka.partitions, kafka.replication_factor).

Exit code: 0 when done (also after Ctrl-C), 1 when Kafka failed, 2 for usage or configuration errors.`;

const OPTIONS = {
  ...CONFIG_OPTIONS,
  series: { type: 'string' },
  samples: { type: 'string' },
  duration: { type: 'string' },
  rate: { type: 'string' },
  format: { type: 'string' },
  points: { type: 'string' },
  interval: { type: 'string' },
  'anomaly-rate': { type: 'string' },
  'anomaly-sigma': { type: 'string' },
  seed: { type: 'string' },
  topic: { type: 'string' },
  anomalies: { type: 'string' },
} as const;

/** What the flags ask for, validated. */
interface ProduceFlags {
  series: number;
  samples: number | undefined;
  durationMs: number | undefined;
  rate: number;
  format: SampleFormat;
  points: number;
  intervalMs: number;
  anomalyRate: number;
  anomalySigma: number;
  seed: number;
  topic: string | undefined;
  anomaliesFile: string | undefined;
}

export async function produceCommand(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(args, OPTIONS);
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const flags = readFlags(values);
    const config = loadConfigFromFlags(values);
    return await produce(flags, config);
  } catch (e) {
    return reportError(e, 'produce');
  }
}

function readFlags(v: Partial<Record<keyof typeof OPTIONS, string | string[] | boolean | undefined>>): ProduceFlags {
  const str = (name: keyof typeof OPTIONS): string | undefined => v[name] as string | undefined;
  const format = str('format') ?? 'compact';
  if (!(SAMPLE_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${SAMPLE_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  if (str('points') !== undefined && format !== 'compact-multi') {
    throw new UsageError(`--points only applies to --format compact-multi (the format is ${format})`);
  }
  const series = integerFlag('series', str('series'), 1, 10_000_000) ?? DEFAULT_SERIES;
  const durationMs = durationFlag('duration', str('duration'), 1);
  let samples = integerFlag('samples', str('samples'), 1);
  if (samples === undefined && durationMs === undefined) samples = series * DEFAULT_ROUNDS;
  const anomaliesFile = str('anomalies');
  if (anomaliesFile === '') throw new UsageError('--anomalies needs a file name');
  const topic = str('topic');
  if (topic !== undefined && !/^[a-zA-Z0-9._-]{1,249}$/.test(topic)) {
    throw new UsageError(`--topic must be a Kafka topic name (1–249 of a-z A-Z 0-9 . _ -), got ${JSON.stringify(topic)}`);
  }
  return {
    series,
    samples,
    durationMs,
    rate: numberFlag('rate', str('rate'), 0) ?? 0,
    format: format as SampleFormat,
    points: integerFlag('points', str('points'), 1, 100_000) ?? PRODUCE_DEFAULTS.pointsPerRecord,
    intervalMs: durationFlag('interval', str('interval'), 1) ?? GENERATOR_DEFAULTS.intervalMs,
    anomalyRate: numberFlag('anomaly-rate', str('anomaly-rate'), 0, 1) ?? DEFAULT_ANOMALY_RATE,
    anomalySigma: numberFlag('anomaly-sigma', str('anomaly-sigma'), 0) ?? GENERATOR_DEFAULTS.anomalySigma,
    seed: integerFlag('seed', str('seed'), 0, 2 ** 32 - 1) ?? GENERATOR_DEFAULTS.seed,
    topic,
    anomaliesFile,
  };
}

function integerFlag(name: string, text: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text.replace(/_/g, '')) ? Number(text.replace(/_/g, '')) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${fmt(max)}, got ${JSON.stringify(text)}`);
  }
  return n;
}

function numberFlag(name: string, text: string | undefined, min: number, max = Infinity): number | undefined {
  if (text === undefined) return undefined;
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n) || n < min || n > max) {
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${name} must be a number ${range}, got ${JSON.stringify(text)}`);
  }
  return n;
}

function durationFlag(name: string, text: string | undefined, minMs: number): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--${name} must be ${DURATION_HELP}, got ${JSON.stringify(text)}`);
  if (ms < minMs) throw new UsageError(`--${name} must be at least ${minMs}ms, got ${JSON.stringify(text)}`);
  return ms;
}

async function produce(flags: ProduceFlags, config: Config): Promise<number> {
  const topic = flags.topic ?? config.kafka.topics.metrics;
  const progress = new Progress();
  const say = (line: string) => {
    progress.clear();
    process.stderr.write(`${line}\n`);
  };
  // Signals first: a Ctrl-C while a local broker starts must still stop it (resolved.stop below).
  // `once`: a second Ctrl-C gets node's default handling and ends the process at once.
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    say(`produce: ${signal}: stopping (sending what is in flight)`);
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let anomaliesFd: number | undefined;
  let resolved: Awaited<ReturnType<typeof resolveBrokers>> | undefined;
  try {
    // Open the anomalies file first: a bad path should fail before any sample is sent.
    if (flags.anomaliesFile !== undefined) anomaliesFd = openSync(flags.anomaliesFile, 'w');
    resolved = await resolveBrokers(config.kafka.brokers, { log: (line) => say(`broker: ${line}`) });
    if (resolved.source === 'started') {
      say(
        `produce: started a local broker at ${resolved.brokers.join(',')} for this run; it stops (with its data) when produce exits. Use 'sigmawatch broker start' for one that stays.`,
      );
    }
    if (!(await topicReady(resolved.brokers, topic, config, say))) return 1;
    const report = await produceLoad(loadOptions(flags, config, { brokers: resolved.brokers, topic, signal: controller.signal, progress }));
    if (anomaliesFd !== undefined) writeAnomalies(anomaliesFd, report.anomalies);
    progress.clear();
    process.stderr.write(summary(report, topic, flags) + '\n');
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (anomaliesFd !== undefined) closeSync(anomaliesFd);
    progress.clear();
    await resolved?.stop();
  }
}

/** Makes sure the topic exists (creating it if the config allows), saying so; false = missing. */
async function topicReady(brokers: string[], topic: string, config: Config, say: (line: string) => void): Promise<boolean> {
  const created = await ensureTopic(brokers, topic, config);
  if (created === null) {
    say(
      `sigmawatch produce: topic ${JSON.stringify(topic)} does not exist and kafka.create_topics is false: ` +
        `create it, or run with --set kafka.create_topics=true`,
    );
    return false;
  }
  if (created)
    say(`produce: created topic ${topic} (${config.kafka.partitions} partitions, replication ${config.kafka.replicationFactor})`);
  return true;
}

/** What produceLoad is asked for: the flags, the config's client settings, progress on stderr. */
function loadOptions(
  flags: ProduceFlags,
  config: Config,
  run: { brokers: string[]; topic: string; signal: AbortSignal; progress: Progress },
): ProduceOptions {
  // kafkajs says a few things at info on every connect; a load generator's stderr is for the
  // summary, so its client logs from warn up unless a more verbose level is configured.
  const logger = createLogger({
    level: config.log.level === 'info' ? 'warn' : config.log.level,
    name: 'produce',
    destination: process.stderr,
  });
  return {
    brokers: run.brokers,
    connection: kafkaConnection(config.kafka),
    topic: run.topic,
    clientId: `${config.kafka.clientId}-produce`,
    series: flags.series,
    ...(flags.samples !== undefined ? { samples: flags.samples } : {}),
    ...(flags.durationMs !== undefined ? { durationMs: flags.durationMs } : {}),
    rate: flags.rate,
    format: flags.format,
    pointsPerRecord: flags.points,
    intervalMs: flags.intervalMs,
    anomalyRate: flags.anomalyRate,
    anomalySigma: flags.anomalySigma,
    seed: flags.seed,
    signal: run.signal,
    logger,
    onProgress: (p) =>
      run.progress.update(
        () =>
          `produce: ${fmt(p.samples)} samples, ${fmt(p.records)} records, ${fmt(p.anomalies)} anomalies, ${p.seconds.toFixed(1)} s, ${fmt(p.samples / Math.max(p.seconds, 1e-3))} samples/s`,
      ),
  };
}

/** true = created, false = existed, null = missing and not allowed to create. */
async function ensureTopic(brokers: string[], topic: string, config: Config): Promise<boolean | null> {
  const admin = new Kafka({
    clientId: `${config.kafka.clientId}-produce-admin`,
    brokers,
    ...kafkaConnection(config.kafka),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) return false;
    if (!config.kafka.createTopics) return null;
    await admin.createTopics({
      topics: [{ topic, numPartitions: config.kafka.partitions, replicationFactor: config.kafka.replicationFactor }],
      waitForLeaders: true,
    });
    return true; // false from createTopics = someone else created it meanwhile: fine too
  } finally {
    await admin.disconnect();
  }
}

function writeAnomalies(fd: number, anomalies: readonly InjectedAnomaly[]): void {
  const CHUNK = 1000;
  for (let i = 0; i < anomalies.length; i += CHUNK) {
    let text = '';
    for (const a of anomalies.slice(i, i + CHUNK)) {
      text += JSON.stringify({ series: a.series, ts: a.ts, value: a.value, expected: a.expected, sign: a.sign, sigma: a.sigma }) + '\n';
    }
    writeSync(fd, text);
  }
}

function summary(r: ProduceReport, topic: string, flags: ProduceFlags): string {
  const format = flags.format === 'compact-multi' ? `compact-multi ×${flags.points}` : flags.format;
  const stopped = r.stoppedBy === 'signal' ? ', stopped by signal' : r.stoppedBy === 'duration' ? ', stopped at --duration' : '';
  return (
    `produce: ${fmt(r.samples)} samples in ${fmt(r.records)} records to ${topic} (${format}, ${fmt(flags.series)} series), ` +
    `${fmt(r.anomalies.length)} anomalies injected, ${r.seconds.toFixed(1)} s, ${fmt(r.samplesPerSecond)} samples/s${stopped}`
  );
}
