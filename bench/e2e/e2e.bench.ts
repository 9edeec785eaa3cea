/**
 * End to end through a real broker, one worker: how many samples per second the worker turns into
 * scores (compact single-point and multi-point records), compared in the same run with what
 * Kafka's own consumer (kafka-consumer-perf-test, ConsumerPerformance) reads from the same topic,
 * and the sample-to-alert latency (p50/p99) of a live, rate-limited stream.
 *
 *   npm run bench -- e2e            (starts the local broker unless KAFKA_BROKERS is set)
 *   options: --e2e-series=10000 --e2e-rounds=150 --e2e-rate=20000 (with fewer rounds kafka-consumer-perf-test reads the bench's records in too few progress reports to time)
 */
import kafkajs from 'kafkajs';
import { writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveBrokers, runKafkaMain } from '../../src/broker/index.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { Worker } from '../../src/kafka/worker.js';
import { ensureTopics } from '../../src/kafka/topics.js';
import { createLogger } from '../../src/observe/logger.js';
import { createMetrics, type Metrics } from '../../src/observe/metrics.js';
import { produceLoad } from '../../src/produce/producer.js';
import type { SampleFormat } from '../../src/produce/records.js';

const { Kafka, logLevel } = kafkajs;

interface Ctx {
  readonly root: string;
  readonly args: ReadonlyMap<string, string>;
}

export interface E2eRow {
  impl: string;
  format: string;
  samples: number;
  records: number;
  seconds: number;
  samples_per_second: number;
  records_per_second: number;
  p50_ms?: number;
  p99_ms?: number;
  /** kafka-consumer-perf-test: records it read before the timed ones (its JVM's warm-up). */
  warmup_records?: number;
}

const say = (s: string) => process.stderr.write(`${s}\n`);

async function processed(m: Metrics): Promise<number> {
  return (await m.samples.get()).values.reduce((s, v) => s + v.value, 0);
}

function workerConfig(brokers: string[], topic: string, group: string): Config {
  const base = loadConfig({ env: {} });
  return {
    ...base,
    kafka: { ...base.kafka, brokers, groupId: group, topics: { metrics: topic, alerts: `${topic}.alerts`, deadLetter: `${topic}.dlq` } },
    log: { level: 'silent' },
  };
}

/** Consumes a pre-filled topic from the start with one worker; times first batch → last sample. */
async function drain(brokers: string[], topic: string, group: string, samples: number, records: number, format: string): Promise<E2eRow> {
  const metrics = createMetrics();
  const config = workerConfig(brokers, topic, group);
  const worker = new Worker({ config, brokers, logger: createLogger({ level: 'silent' }), metrics });
  await worker.start();
  let first = 0;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const n = await processed(metrics);
    if (n > 0 && first === 0) first = performance.now();
    if (n >= samples) break;
    if (Date.now() > deadline) throw new Error(`worker processed only ${n} of ${samples} samples in 120 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - first) / 1000;
  await worker.stop();
  return {
    impl: 'sigmawatch worker',
    format,
    samples,
    records,
    seconds,
    samples_per_second: samples / seconds,
    records_per_second: records / seconds,
  };
}

/**
 * Warming Kafka's own consumer. A fresh ConsumerPerformance JVM reads slowly while HotSpot compiles
 * its fetch path: about 0.9 M records/s in its first 100 ms and 4.5 M/s by the sixth on a quiet
 * machine, seconds to get there on a busy one, so a cold run over this bench's 1.5 M records
 * times mostly the warm-up (the README's earlier 681k records/s). Running it twice does not help:
 * the second run is a new JVM, as cold as the first (measured: the same ramp). So each topic
 * starts with WARMUP_RECORDS records written by Kafka's own ProducerPerformance, then the bench's
 * records; the perf test reads both in one JVM, reporting every REPORT_MS, and is timed from its
 * first report after the warm-up records to its last. The worker's group starts at the end of the
 * warm-up records (its offsets are set before it joins), so both time the same records.
 *
 * fetch.max.wait.ms = 10 (default 500): once a partition has been read to its end, every fetch that
 * includes it waits that long on the broker, and the last partitions' few % of records trickle in
 * at ~1 MB per wait (measured: the last 30k of 600k records took 1.5 s). A consumer of a live
 * stream never reaches an end; while data is there the broker answers at once either way.
 */
const WARMUP_RECORDS = 2_000_000;
const WARMUP_RECORD_BYTES = 100;
const REPORT_MS = 20;

/** The warm-up records, from Kafka's own producer (fast; their content does not matter). */
async function warmupPrefix(brokers: string[], topic: string): Promise<void> {
  const r = await runKafkaMain(
    'org.apache.kafka.tools.ProducerPerformance',
    [
      '--topic',
      topic,
      '--num-records',
      String(WARMUP_RECORDS),
      '--record-size',
      String(WARMUP_RECORD_BYTES),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${brokers.join(',')}`,
      'linger.ms=5',
      'batch.size=65536',
    ],
    { timeoutMs: 180_000 },
  );
  if (r.code !== 0) throw new Error(`ProducerPerformance failed (${r.code}): ${r.stderr.slice(-500)}`);
}

/** Kafka's own consumer on the same topic: records/s over the bench's records, warm (see above). */
async function consumerPerf(brokers: string[], topic: string, records: number, samplesPerRecord: number, format: string): Promise<E2eRow> {
  const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-perf-'));
  const props = join(dir, 'consumer.properties');
  writeFileSync(props, 'fetch.max.wait.ms=10\n');
  const total = WARMUP_RECORDS + records;
  let r;
  try {
    r = await runKafkaMain(
      'org.apache.kafka.tools.ConsumerPerformance',
      [
        '--bootstrap-server',
        brokers.join(','),
        '--topic',
        topic,
        '--messages',
        String(total),
        '--group',
        `perf-${Date.now()}`,
        '--timeout',
        '60000',
        '--consumer.config',
        props,
        '--show-detailed-stats',
        '--reporting-interval',
        String(REPORT_MS),
        '--hide-header',
      ],
      { timeoutMs: 180_000 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (r.code !== 0) throw new Error(`ConsumerPerformance failed (${r.code}): ${r.stderr.slice(-500)}`);
  // One line per report: time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg (cumulative),
  // nMsg.sec, rebalance.time.ms, fetch.time.ms (of this interval), fetch.MB.sec, fetch.nMsg.sec.
  const reports = r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(',').map((x) => x.trim()))
    .filter((c) => c.length === 10)
    .map((c) => ({ n: Number(c[4]), fetchMs: Number(c[7]) }));
  // The last report can be up to one interval short of the end (records after it are not reported).
  const from = reports.findIndex((x) => x.n >= WARMUP_RECORDS);
  const last = reports.at(-1);
  if (from < 0 || last === undefined) throw new Error(`ConsumerPerformance read ${last?.n ?? 0} of ${total} records`);
  const timed = reports.slice(from + 1);
  if (timed.length < 3)
    throw new Error(`ConsumerPerformance: ${timed.length} reports after the warm-up; too few to time (more --e2e-rounds)`);
  const nMsg = last.n - reports[from].n;
  const seconds = timed.reduce((t, x) => t + x.fetchMs, 0) / 1000;
  const rate = nMsg / seconds;
  return {
    impl: 'kafka-consumer-perf-test',
    format,
    samples: nMsg * samplesPerRecord,
    records: nMsg,
    seconds,
    samples_per_second: rate * samplesPerRecord,
    records_per_second: rate,
    warmup_records: reports[from].n,
  };
}

async function fill(
  brokers: string[],
  topic: string,
  format: SampleFormat,
  series: number,
  samples: number,
): Promise<{ samples: number; records: number }> {
  const report = await produceLoad({
    brokers,
    topic,
    format,
    series,
    samples,
    anomalyRate: 0,
    anomalySigma: 8,
    seed: 3,
    pointsPerRecord: 10,
    startTs: Date.UTC(2026, 0, 1),
  });
  return { samples: report.samples, records: report.records };
}

async function latency(brokers: string[], topic: string, series: number, rate: number): Promise<E2eRow> {
  const metrics = createMetrics();
  const config = workerConfig(brokers, topic, `${topic}.latency`);
  const lat: number[] = [];
  const worker = new Worker({
    config,
    brokers,
    logger: createLogger({ level: 'silent' }),
    metrics,
    onAlert: (a) => a.status === 'firing' && lat.push(Date.now() - a.ts),
  });
  await worker.start();
  const samples = Math.min(series * 300, rate * 30);
  const report = await produceLoad({
    brokers,
    topic,
    format: 'compact',
    series,
    samples,
    rate,
    anomalyRate: 0.002,
    anomalySigma: 10,
    seed: 9,
    warmup: 60,
    startTs: Date.now(),
    intervalMs: Math.max(1, Math.round((1000 * series) / rate)),
  });
  const deadline = Date.now() + 30_000;
  while ((await processed(metrics)) < report.samples && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await worker.stop();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return {
    impl: `sigmawatch worker, live at ${rate}/s`,
    format: 'compact',
    samples: report.samples,
    records: report.records,
    seconds: report.seconds,
    samples_per_second: report.samplesPerSecond,
    records_per_second: report.records / report.seconds,
    p50_ms: q(0.5),
    p99_ms: q(0.99),
  };
}

export async function runE2eBench(ctx: Ctx): Promise<{ rows: E2eRow[]; markdown: string }> {
  const series = Number(ctx.args.get('e2e-series') ?? 10_000);
  const rounds = Number(ctx.args.get('e2e-rounds') ?? 150);
  const rate = Number(ctx.args.get('e2e-rate') ?? 20_000);
  const samples = series * rounds;
  const brokers = await resolveBrokers(undefined, { log: say });
  const kafka = new Kafka({ clientId: 'sigmawatch-bench', brokers: brokers.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const stamp = `bench-e2e-${Date.now().toString(36)}`;
  const rows: E2eRow[] = [];
  try {
    await admin.connect();
    for (const [format, per] of [
      ['compact', 1],
      ['compact-multi', 10],
    ] as const) {
      const topic = `${stamp}.${format}`;
      await ensureTopics(admin, [topic, `${topic}.alerts`, `${topic}.dlq`], { create: true, partitions: 3, replicationFactor: 1 });
      say(`e2e: ${format}: ${WARMUP_RECORDS} warm-up records for kafka-consumer-perf-test (ProducerPerformance)…`);
      await warmupPrefix(brokers.brokers, topic);
      const benchStart = (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, offset: o.high }));
      say(`e2e: producing ${samples} samples (${format}) over ${series} series…`);
      const filled = await fill(brokers.brokers, topic, format, series, samples);
      say(`e2e: ${format}: kafka-consumer-perf-test…`);
      rows.push(await consumerPerf(brokers.brokers, topic, filled.records, per, format));
      say(`e2e: ${format}: one sigmawatch worker…`);
      const group = `${topic}.bench-${Date.now()}`;
      // The worker reads the bench's records only: its group starts after the warm-up records.
      await admin.setOffsets({ groupId: group, topic, partitions: benchStart });
      rows.push(await drain(brokers.brokers, topic, group, filled.samples, filled.records, format));
    }
    const live = `${stamp}.live`;
    await ensureTopics(admin, [live, `${live}.alerts`, `${live}.dlq`], { create: true, partitions: 3, replicationFactor: 1 });
    say(`e2e: live stream at ${rate} samples/s for latency…`);
    rows.push(await latency(brokers.brokers, live, Math.min(series, 2000), rate));
  } finally {
    if (brokers.source !== 'started') {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(stamp));
      await admin.deleteTopics({ topics }).catch(() => undefined);
    }
    await admin.disconnect();
    await brokers.stop();
  }
  const f = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '' : Math.round(n).toLocaleString('en-US'));
  const table = [
    '| reader | format | samples | records | seconds | samples/s | records/s | alert latency p50 / p99 (ms) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.impl} | ${r.format} | ${f(r.samples)} | ${f(r.records)} | ${r.seconds.toFixed(2)} | ${f(r.samples_per_second)} | ${f(r.records_per_second)} | ${r.p50_ms === undefined ? '' : `${f(r.p50_ms)} / ${f(r.p99_ms)}`} |`,
    ),
  ].join('\n');
  process.stdout.write(`${table}\n`);
  mkdirSync(join(ctx.root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ctx.root, 'bench', 'results', 'e2e.json'), JSON.stringify(rows, null, 2) + '\n');
  const markdown = [
    '## End to end through the broker (`npm run bench -- e2e`)',
    '',
    `${series.toLocaleString('en-US')} series, ${rounds} samples each, 3 partitions, one worker in the same process as the measurement; the broker runs on the same 2-core machine.`,
    "Worker rows time first processed sample → last (decode, score, lifecycle, produce alerts, commit); kafka-consumer-perf-test is Kafka's own Java consumer reading the same topic, the ceiling for any consumer here.",
    `Its JVM is warmed first: each topic starts with ${(WARMUP_RECORDS / 1e6).toFixed(0)} M records from Kafka's ProducerPerformance that it reads before the bench's records, and it is timed on the bench's records only (fetch time from its first ${REPORT_MS} ms progress report after the warm-up records to the last; \`fetch.max.wait.ms=10\`, so partitions read to their end do not stall the others). The worker's group starts after the warm-up records. A cold run (the earlier method) times mostly the JVM's warm-up.`,
    'The live row produces at a fixed rate with sample time = wall time and measures sample timestamp → broker ack of its alert.',
    '',
    table,
  ].join('\n');
  return { rows, markdown };
}
