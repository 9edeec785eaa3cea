/**
 * `sigmawatch demo` (what `npm start` runs): the whole flow on a real broker in about a minute.
 * Starts the local broker unless KAFKA_BROKERS / kafka.brokers name one, creates fresh topics,
 * runs a worker and the synthetic producer (anomalies injected and recorded), prints each alert
 * as it arrives, then a summary: samples, alerts, injected anomalies caught and missed, false
 * alarms, throughput and sample-to-alert latency. Stops everything it started.
 */
import kafkajs from 'kafkajs';
import { resolveBrokers } from '../broker/index.js';
import { loadConfig, type Config } from '../config/index.js';
import type { AlertEvent } from '../codec/alerts.js';
import { Worker } from '../kafka/worker.js';
import { ensureTopics } from '../kafka/topics.js';
import { kafkaConnection } from '../kafka/connection.js';
import { createLogger } from '../observe/logger.js';
import { createMetrics } from '../observe/metrics.js';
import { produceLoad, type ProduceOptions, type ProduceReport } from '../produce/producer.js';
import { CONFIG_OPTIONS, parse, reportError, setFlags } from './args.js';
import { fmt } from '../replay/summary.js';

const { Kafka, logLevel } = kafkajs;

const USAGE = `Usage: sigmawatch demo [--series N] [--rounds N] [--rate N] [--config FILE] [--set key=value]...

End to end on a real Kafka: starts the local broker (unless KAFKA_BROKERS is set), creates fresh
topics, runs one worker and a synthetic producer with injected spikes and dips, prints every alert
as it arrives and a summary (anomalies caught and missed, false alarms, throughput, latency).
Stops what it started; takes about a minute.

Options:
      --series N   series to simulate (default 300)
      --rounds N   samples per series (default 400; anomalies only after the first 120)
      --rate N     samples per second (default 6000)
  -c, --config FILE  rules etc. (default: the default rules, config/default.yaml)
      --set KEY=VALUE  override one key (repeatable)`;

export async function demoCommand(args: string[]): Promise<number> {
  let config: Config;
  let opts: { series: number; rounds: number; rate: number };
  try {
    const { values } = parse(args, { ...CONFIG_OPTIONS, series: { type: 'string' }, rounds: { type: 'string' }, rate: { type: 'string' } });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    opts = {
      series: positiveInt('--series', values.series, 300),
      rounds: positiveInt('--rounds', values.rounds, 400),
      rate: positiveInt('--rate', values.rate, 6000),
    };
    config = loadConfig({ file: values.config, overrides: setFlags(values.set) });
  } catch (e) {
    return reportError(e, 'demo');
  }
  return runDemo(config, opts);
}

function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be an integer ≥ 1, got ${JSON.stringify(text)}`);
  return n;
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const tty = process.stdout.isTTY === true;
const paint = (code: string, s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);

type DemoOptions = { series: number; rounds: number; rate: number };
type DemoTopics = { metrics: string; alerts: string; deadLetter: string };

async function runDemo(config: Config, o: DemoOptions): Promise<number> {
  const started = Date.now();
  say('demo: finding a Kafka broker (the first start downloads Kafka from Maven Central, about a minute)…');
  const brokers = await resolveBrokers(config.kafka.brokers, { log: (l) => say(`  ${l}`) });
  say(`demo: using ${brokers.brokers.join(',')} (${brokers.source})`);
  const stamp = `demo-${Date.now().toString(36)}`;
  const topics: DemoTopics = { metrics: `${stamp}.metrics`, alerts: `${stamp}.alerts`, deadLetter: `${stamp}.dead-letter` };
  const kafka = new Kafka({
    clientId: 'sigmawatch-demo',
    brokers: brokers.brokers,
    ...kafkaConnection(config.kafka),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const metrics = createMetrics();
  const alerts: AlertEvent[] = [];
  const latencies: number[] = [];
  const worker = demoWorker(demoConfig(config, brokers.brokers, stamp, topics), brokers.brokers, metrics, (a) => {
    latencies.push(Date.now() - a.ts);
    alerts.push(a);
    printAlert(a);
  });
  let report: ProduceReport | undefined;
  try {
    await admin.connect();
    await ensureTopics(admin, Object.values(topics), { create: true, partitions: 3, replicationFactor: 1 });
    await worker.start();
    say(`demo: worker joined; producing ${fmt(o.series)} series × ${fmt(o.rounds)} samples at ${fmt(o.rate)} samples/s…`);
    report = await produceLoad(demoLoad(config, brokers.brokers, topics.metrics, o));
    await waitForWorker(metrics, report.samples);
  } catch (e) {
    say(`demo: failed: ${(e as Error).message}`);
    return 1;
  } finally {
    await worker.stop().catch(() => undefined);
    if (brokers.source !== 'started')
      await admin.deleteTopics({ topics: [...Object.values(topics), `${topics.metrics}.changelog`] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await brokers.stop();
  }
  summarize(report, alerts, latencies, await processedSamples(metrics), await busySeconds(metrics), (Date.now() - started) / 1000);
  return 0;
}

/** The config with this run's brokers, fresh topics and group (named after `stamp`), and quiet logs. */
function demoConfig(config: Config, brokers: string[], stamp: string, topics: DemoTopics): Config {
  return {
    ...config,
    kafka: { ...config.kafka, brokers, groupId: stamp, topics, partitions: 3 },
    log: { level: 'warn' },
  };
}

function demoWorker(
  config: Config,
  brokers: string[],
  metrics: ReturnType<typeof createMetrics>,
  onAlert: (a: AlertEvent) => void,
): Worker {
  return new Worker({
    config,
    brokers,
    // The demo's stdout is for alert lines: only errors from the worker's logs.
    logger: createLogger({ level: 'error', name: 'sigmawatch' }),
    metrics,
    onAlert,
  });
}

/** The synthetic load: `o.series` series × `o.rounds` samples at `o.rate`, with spikes and dips. */
function demoLoad(config: Config, brokers: string[], topic: string, o: DemoOptions): ProduceOptions {
  return {
    brokers,
    connection: kafkaConnection(config.kafka),
    topic,
    format: 'compact',
    series: o.series,
    samples: o.series * o.rounds,
    rate: o.rate,
    anomalyRate: 0.0004,
    anomalySigma: 9,
    seed: 7,
    warmup: 120,
    // Sample time advances at wall speed, so sample-to-alert latency reads as it would live.
    startTs: Date.now(),
    intervalMs: Math.max(1, Math.round((1000 * o.series) / o.rate)),
  };
}

/** Let the worker drain what was produced (bounded). */
async function waitForWorker(metrics: ReturnType<typeof createMetrics>, samples: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await processedSamples(metrics)) < samples && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

function printAlert(a: AlertEvent): void {
  const time = new Date(a.ts).toISOString().slice(11, 23);
  const status =
    a.status === 'firing'
      ? paint(a.severity === 'critical' ? '31;1' : '33;1', `FIRING ${a.severity.padEnd(8)}`)
      : paint('32', 'resolved        ');
  const z = `${a.z >= 0 ? '+' : ''}${a.z.toFixed(1)}`;
  process.stdout.write(
    `${time}  ${status}  ${a.series}  value=${a.value.toPrecision(5)}  z=${z}  (mean ${a.mean.toPrecision(5)} ± ${a.std.toPrecision(3)})\n`,
  );
}

async function processedSamples(metrics: ReturnType<typeof createMetrics>): Promise<number> {
  return (await metrics.samples.get()).values.reduce((s, v) => s + v.value, 0);
}

async function busySeconds(metrics: ReturnType<typeof createMetrics>): Promise<number> {
  const h = await metrics.batchDuration.get();
  return h.values.find((v) => v.metricName === 'sigmawatch_batch_duration_seconds_sum')?.value ?? 0;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summarize(
  report: ProduceReport | undefined,
  alerts: AlertEvent[],
  latencies: number[],
  processed: number,
  busy: number,
  seconds: number,
): void {
  if (report === undefined) return;
  const fired = alerts.filter((a) => a.reason === 'fired');
  const key = (series: string, ts: number) => `${series}\u0000${ts}`;
  const firedAt = new Set(fired.map((a) => key(a.series, a.ts)));
  const injected = new Set(report.anomalies.map((x) => key(x.series, x.ts)));
  const caught = report.anomalies.filter((x) => firedAt.has(key(x.series, x.ts)));
  const missed = report.anomalies.filter((x) => !firedAt.has(key(x.series, x.ts)));
  const falseAlarms = fired.filter((a) => !injected.has(key(a.series, a.ts)));
  const sorted = [...latencies].sort((a, b) => a - b);
  const lines = [
    '',
    'demo summary',
    `  samples produced        ${fmt(report.samples)} in ${fmt(report.records)} records (${fmt(report.samplesPerSecond)}/s, rate-limited)`,
    `  samples processed       ${fmt(processed)} by one worker, busy ${busy.toFixed(2)} s of ${report.seconds.toFixed(1)} s in batches (fetch → score → produce → commit)`,
    `  alerts                  ${fmt(fired.length)} fired, ${fmt(alerts.filter((a) => a.status === 'resolved').length)} resolved`,
    `  injected anomalies      ${fmt(report.anomalies.length)}: caught ${fmt(caught.length)}, missed ${fmt(missed.length)}`,
    `  false alarms            ${fmt(falseAlarms.length)}`,
    `  sample-to-alert latency p50 ${quantile(sorted, 0.5).toFixed(0)} ms, p99 ${quantile(sorted, 0.99).toFixed(0)} ms (sample time to broker ack)`,
    `  wall time               ${seconds.toFixed(1)} s`,
  ];
  for (const x of missed.slice(0, 5))
    lines.push(`  missed: ${x.series} at ${new Date(x.ts).toISOString()} (${x.sign > 0 ? 'spike' : 'dip'})`);
  for (const a of falseAlarms.slice(0, 5))
    lines.push(
      `  false alarm: ${a.series} at ${new Date(a.ts).toISOString()} (value ${a.value.toPrecision(5)}, z ${a.z.toFixed(1)}, window ${a.window})`,
    );
  process.stdout.write(lines.join('\n') + '\n');
}
