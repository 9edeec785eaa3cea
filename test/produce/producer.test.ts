/**
 * produceLoad and `sigmawatch produce` against the real broker (KAFKA_BROKERS, set by `npm test`):
 * what is produced is consumed back, decoded by the worker's decoder, and checked against the
 * generator. Every run is bounded in samples and time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Partitioners, type PartitionMetadata } from 'kafkajs';

import { decodeSamplesInto, SampleBatch } from '../../src/codec/samples.js';
import { TelemetryGenerator, type InjectedAnomaly } from '../../src/produce/generator.js';
import { produceLoad } from '../../src/produce/producer.js';
import { SAMPLE_FORMATS } from '../../src/produce/records.js';
import { consumeMessages, createAdmin, freshTopic, requireBrokers, uniqueName, withTimeout } from '../support/kafka.js';

const T0 = Date.UTC(2026, 0, 1);
const SERIES = 40;

/** Records in `topic`, from its high watermarks (proves nothing extra was written). */
async function recordCount(topic: string): Promise<number> {
  const admin = await createAdmin();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Which partition kafkajs's default partitioner (murmur2, as the Java client) gives a key. */
function defaultPartition(topic: string, key: string, partitions: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
  return Partitioners.DefaultPartitioner()({ topic, partitionMetadata, message: { key, value: null } });
}

for (const format of SAMPLE_FORMATS) {
  test(`${format}: a bounded load is consumed back whole, in order per series, with canonical keys on murmur2 partitions`, async () => {
    const topic = await freshTopic(`produce-${format}`, 3);
    const samples = SERIES * 25 + 7; // compact-multi, K = 10: two full passes, then 207 = 5 points each + 1 more for 7 series
    const report = await withTimeout(
      produceLoad({
        brokers: requireBrokers(),
        topic,
        format,
        series: SERIES,
        samples,
        durationMs: 60_000,
        pointsPerRecord: 10,
        anomalyRate: 0.01,
        anomalySigma: 8,
        warmup: 10,
        seed: 42,
        startTs: T0,
        batchSize: 100,
      }),
      60_000,
      `producing ${format}`,
    );
    assert.equal(report.samples, samples);
    assert.equal(report.stoppedBy, 'samples');
    assert.equal(report.firstTs, T0);
    assert.ok(report.samplesPerSecond > 0 && report.seconds > 0);
    const expectedRecords = format === 'compact-multi' ? SERIES * 2 + SERIES : samples;
    assert.equal(report.records, expectedRecords);
    assert.equal(await recordCount(topic), expectedRecords, 'the topic holds exactly the records reported');

    const received = await consumeMessages(topic, expectedRecords, 30_000);
    const batch = new SampleBatch();
    const bySeries = new Map<string, Array<[number, number]>>();
    const partitionOf = new Map<string, number>();
    for (const m of received) {
      assert.ok(m.key !== null && m.value !== null);
      const key = m.key.toString('utf8');
      assert.ok(report.series.includes(key), `key ${key} is one of the series`);
      assert.equal(m.partition, defaultPartition(topic, key, 3), `${key} is on the partition the default partitioner picks`);
      if (partitionOf.has(key)) assert.equal(partitionOf.get(key), m.partition);
      partitionOf.set(key, m.partition);
      if (format === 'verbose-json') {
        const body = JSON.parse(m.value.toString('utf8')) as { name: string; labels: Record<string, string> };
        assert.ok(key.startsWith(`${body.name}{`), 'JSON text any client can read');
      }
      decodeSamplesInto(m.key, m.value, batch);
      if (format.startsWith('verbose')) assert.equal(batch.derivedKey, key, 'the body names the key series');
      const points = bySeries.get(key) ?? [];
      for (let j = 0; j < batch.count; j++) points.push([batch.ts[j]!, batch.values[j]!]);
      bySeries.set(key, points);
    }
    // Regenerate: the same seed gives the same values; the topic kept each series in order.
    const gen = new TelemetryGenerator({ series: SERIES, seed: 42, startTs: T0, anomalyRate: 0.01, anomalySigma: 8, warmup: 10 });
    const ts = new Float64Array(64);
    const values = new Float64Array(64);
    let total = 0;
    for (let i = 0; i < SERIES; i++) {
      const points = bySeries.get(gen.ids[i]!) ?? [];
      gen.fillSeries(i, points.length, ts, values);
      points.forEach(([t, v], k) => {
        assert.equal(t, ts[k], `${gen.ids[i]} sample ${k}: ts`);
        assert.equal(v, values[k], `${gen.ids[i]} sample ${k}: value`);
      });
      total += points.length;
    }
    assert.equal(total, samples);
    assert.ok(report.anomalies.length > 0, 'the seed gives a few anomalies');
    assert.deepEqual(
      [...report.anomalies].sort(byTsThenSeries),
      [...gen.anomalies].sort(byTsThenSeries),
      'the report lists exactly the anomalies sent',
    );
    assert.equal(report.lastTs, Math.max(...[...bySeries.values()].map((p) => p[p.length - 1]![0])));
  });
}

function byTsThenSeries(a: InjectedAnomaly, b: InjectedAnomaly): number {
  return a.ts - b.ts || (a.series < b.series ? -1 : a.series > b.series ? 1 : 0);
}

test('a time bound and a rate: stops at durationMs, near the rate', async () => {
  const topic = await freshTopic('produce-duration', 2);
  const report = await withTimeout(
    produceLoad({
      brokers: requireBrokers(),
      topic,
      format: 'compact',
      series: 100,
      durationMs: 1500,
      rate: 2000,
      anomalyRate: 0,
      anomalySigma: 8,
      seed: 1,
    }),
    20_000,
    'a 1.5 s run',
  );
  assert.equal(report.stoppedBy, 'duration');
  assert.ok(report.seconds >= 1.4 && report.seconds < 5, `${report.seconds} s`);
  assert.ok(report.samples >= 2000 && report.samples <= 3300, `${report.samples} samples at 2000/s for 1.5 s`);
  assert.equal(await recordCount(topic), report.samples);
});

test('an abort stops the run promptly, with what was sent reported', async () => {
  const topic = await freshTopic('produce-abort', 1);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 700);
  const started = Date.now();
  const report = await withTimeout(
    produceLoad({
      brokers: requireBrokers(),
      topic,
      format: 'compact-multi',
      series: 50,
      samples: 10_000_000,
      rate: 5000,
      anomalyRate: 0,
      anomalySigma: 8,
      seed: 1,
      signal: controller.signal,
    }),
    20_000,
    'an aborted run',
  );
  assert.equal(report.stoppedBy, 'signal');
  assert.ok(Date.now() - started < 5000, 'prompt');
  assert.ok(report.samples > 0 && report.samples < 20_000, `${report.samples} samples`);
  assert.equal(await recordCount(topic), report.records);
});

test('a missing topic is an error that says what to do; a run without a bound is refused', async () => {
  await assert.rejects(
    produceLoad({
      brokers: requireBrokers(),
      topic: uniqueName('produce-missing'),
      format: 'compact',
      series: 1,
      samples: 1,
      anomalyRate: 0,
      anomalySigma: 8,
      seed: 1,
    }),
    /topic "produce-missing-[^"]+" does not exist: create it first/,
  );
  await assert.rejects(
    produceLoad({ brokers: requireBrokers(), topic: 'x', format: 'compact', series: 1, anomalyRate: 0, anomalySigma: 8, seed: 1 }),
    /needs a bound: give `samples`, `durationMs`, or both/,
  );
});

// ---------------------------------------------------------------------------------------------
// The command. Run through a small script until main.ts registers it (then: runCli(['produce', …])).

const PRODUCE_CLI = pathToFileURL(fileURLToPath(new URL('../../src/cli/produce.js', import.meta.url))).href;

function runProduce(
  args: string[],
  opts: { interruptAfterMs?: number; timeoutMs?: number } = {},
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const script = `const { produceCommand } = await import(${JSON.stringify(PRODUCE_CLI)}); process.exitCode = await produceCommand(process.argv.slice(1));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const interrupt = opts.interruptAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGINT'), opts.interruptAfterMs);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(interrupt);
      resolve({ code, stdout, stderr });
    });
  });
}

test('sigmawatch produce: creates the topic, writes the anomalies file, prints a summary', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-produce-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const topic = uniqueName('produce-cli');
  const file = join(dir, 'anomalies.ndjson');
  const r = await runProduce([
    '--series',
    '20',
    '--samples',
    '3000',
    '--topic',
    topic,
    '--anomaly-rate',
    '0.02',
    '--anomalies',
    file,
    '--set',
    'kafka.partitions=2',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`created topic ${topic} \\(2 partitions, replication 1\\)`));
  const summary =
    /produce: 3,000 samples in 3,000 records to \S+ \(compact, 20 series\), (\d+) anomalies injected, [\d.]+ s, [\d,]+ samples\/s\n/.exec(
      r.stderr,
    );
  assert.ok(summary, r.stderr);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines.length, Number(summary[1]));
  assert.ok(lines.length > 0);
  const gen = new TelemetryGenerator({ series: 20, seed: 1 });
  for (const line of lines) {
    const a = JSON.parse(line) as InjectedAnomaly;
    assert.ok(gen.ids.includes(a.series));
    assert.equal(Math.sign(a.value - a.expected), a.sign);
    assert.ok(Math.abs(Math.abs(a.value - a.expected) / a.sigma - 8) < 1e-6);
  }
  assert.equal(await recordCount(topic), 3000);
});

test('sigmawatch produce: SIGINT stops a long run cleanly with exit 0', async () => {
  const topic = await freshTopic('produce-cli-sigint', 1);
  // Not a TTY, so no progress line to wait for: interrupt well after start-up (~1 s on a busy machine).
  const r = await runProduce(['--series', '100', '--duration', '1m', '--rate', '2000', '--topic', topic], {
    interruptAfterMs: 3000,
    timeoutMs: 30_000,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /SIGINT: stopping/);
  const summary = /produce: ([\d,]+) samples in ([\d,]+) records .* stopped by signal\n/.exec(r.stderr);
  assert.ok(summary, r.stderr);
  assert.equal(await recordCount(topic), Number(summary[2]!.replace(/,/g, '')));
});

test('sigmawatch produce: bad flags exit 2 with a message naming the flag', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--series', '0'], /--series must be an integer from 1 to 10,000,000, got "0"/],
    [['--format', 'csv'], /--format must be one of compact, compact-multi, verbose-msgpack, verbose-json, got "csv"/],
    [['--points', '5'], /--points only applies to --format compact-multi/],
    [['--duration', 'soon'], /--duration must be a duration like 250ms/],
    [['--anomaly-rate', '2'], /--anomaly-rate must be a number from 0 to 1, got "2"/],
    [['--rate=-1'], /--rate must be a number ≥ 0, got "-1"/],
    [['--topic', 'a b'], /--topic must be a Kafka topic name/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['extra'], /unexpected argument "extra"/],
  ];
  for (const [args, message] of cases) {
    const r = await runProduce(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /Run 'sigmawatch produce --help' for usage/);
  }
  const help = await runProduce(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: sigmawatch produce/);
});
