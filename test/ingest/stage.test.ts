/**
 * The ingest stage on the real broker: unkeyed pipeline topics in, keyed compact records on the
 * metrics topic out (every sample, per-series order, one series on one partition, many points per
 * record), bad records in the dead-letter topic with their reasons, offsets committed; then end to
 * end with a worker reading the metrics topic and alerting on an injected spike; then a stage
 * killed with SIGKILL mid-stream and restarted loses nothing. Fresh topics and groups per test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer, Message } from 'kafkajs';
import { loadConfig, type Config } from '../../src/config/index.js';
import { SampleBatch, decodeSamplesInto } from '../../src/codec/samples.js';
import { DEAD_LETTER_HEADERS } from '../../src/codec/dead-letter.js';
import { IngestStage } from '../../src/ingest/stage.js';
import { GroupPartitioner } from '../../src/ingest/group-partitioner.js';
import { createIngestMetrics, type IngestMetrics } from '../../src/ingest/metrics.js';
import { createDecoder, sniffFormat } from '../../src/ingest/formats/index.js';
import { createLogger } from '../../src/observe/logger.js';
import { kafkaClient, requireBrokers, uniqueName, withTimeout } from '../support/kafka.js';
import {
  alertReader,
  committedOffsets,
  ensureTopic,
  sendRecords,
  ServiceProcess,
  startWorker,
  TopicReader,
  waitUntil,
} from '../support/worker.js';
import { gaussian, mulberry32 } from '../support/random.js';

const T0 = Date.UTC(2026, 10, 1);

interface Names {
  prom: string;
  mixed: string;
  metrics: string;
  alerts: string;
  deadLetter: string;
  group: string;
  ingestGroup: string;
}

function freshIngestNames(prefix: string): Names {
  const base = uniqueName(prefix);
  return {
    prom: `${base}.prom`,
    mixed: `${base}.mixed`,
    metrics: `${base}.metrics`,
    alerts: `${base}.alerts`,
    deadLetter: `${base}.dlq`,
    group: `${base}.group`,
    ingestGroup: `${base}.ingest`,
  };
}

function overrides(n: Names, partitions: number): Record<string, unknown> {
  return {
    'kafka.topics.metrics': n.metrics,
    'kafka.topics.alerts': n.alerts,
    'kafka.topics.dead_letter': n.deadLetter,
    'kafka.group_id': n.group,
    'kafka.partitions': partitions,
    'kafka.session_timeout_ms': 6000,
    'kafka.heartbeat_interval_ms': 1000,
    'ingest.group_id': n.ingestGroup,
    'ingest.topics': `[{topic: ${n.prom}, format: prometheus-kafka-adapter}, {topic: ${n.mixed}, format: auto}]`,
    'ingest.fetch_max_wait': '100ms',
    'http.port': 0,
    'ingest.http_port': 0,
    'log.level': 'silent',
  };
}

const testConfig = (n: Names, partitions: number): Config =>
  loadConfig({ env: { KAFKA_BROKERS: requireBrokers().join(',') }, overrides: overrides(n, partitions) });

async function startStage(config: Config): Promise<{ stage: IngestStage; metrics: IngestMetrics; stop: () => Promise<void> }> {
  const metrics = createIngestMetrics();
  const stage = new IngestStage({
    config,
    brokers: requireBrokers(),
    logger: createLogger({ level: 'silent' }),
    metrics,
    decoderFor: (f) => createDecoder(f),
    sniff: sniffFormat,
  });
  await withTimeout(stage.start(), 30_000, 'starting the ingest stage');
  await waitUntil(() => stage.ready().ok, 30_000, 'the ingest stage to join its group');
  return { stage, metrics, stop: () => withTimeout(stage.stop(), 30_000, 'stopping the ingest stage') };
}

/** A prometheus-kafka-adapter record, as its JSON serializer writes it (timestamps in whole seconds). */
const adapterRecord = (name: string, labels: Record<string, string>, ms: number, value: number | string): string =>
  JSON.stringify({
    labels: { __name__: name, ...labels },
    name,
    timestamp: new Date(ms).toISOString().replace('.000Z', 'Z'),
    value: String(value),
  });

interface OutRecord {
  partition: number;
  key: string;
  points: Array<[number, number]>;
}

/** Everything on the metrics topic, each record decoded as the worker decodes it. */
class MetricsReader {
  readonly records: OutRecord[] = [];
  private consumer: Consumer | undefined;
  private readonly batch = new SampleBatch();
  constructor(private readonly topic: string) {}

  async start(): Promise<this> {
    this.consumer = kafkaClient('ingest-test-reader').consumer({ groupId: uniqueName('ingest-reader'), maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        decodeSamplesInto(message.key, message.value!, this.batch);
        const points = Array.from({ length: this.batch.count }, (_, i): [number, number] => [this.batch.ts[i]!, this.batch.values[i]!]);
        this.records.push({ partition, key: String(message.key), points });
      },
    });
    return this;
  }

  samples(): number {
    return this.records.reduce((n, r) => n + r.points.length, 0);
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

interface Sent {
  series: string;
  ts: number;
  value: number;
}

/** `series` series × `rounds` samples, each series always on input partition (index % partitions), unkeyed. */
function pipeline(n: Names, series: number, rounds: number, partitions: number): { messages: Message[]; sent: Sent[] } {
  const g = gaussian(mulberry32(3));
  const messages: Message[] = [];
  const sent: Sent[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let s = 0; s < series; s++) {
      const ts = T0 + r * 15_000;
      const value = Math.round((100 + g()) * 1000) / 1000;
      const labels = { instance: `host-${s}:9100`, job: 'node' };
      messages.push({ partition: s % partitions, value: adapterRecord('node_load1', labels, ts, value) });
      sent.push({ series: `node_load1{instance="host-${s}:9100",job="node"}`, ts, value });
    }
  }
  void n;
  return { messages, sent };
}

test('unkeyed pipeline records arrive keyed on the metrics topic: every sample, in order per series, one partition per series, packed; bad records in the dead-letter topic', async (t) => {
  const n = freshIngestNames('ingest-stage');
  await ensureTopic(n.prom, 2);
  await ensureTopic(n.mixed, 1);
  await ensureTopic(n.metrics, 4);
  const SERIES = 24;
  const ROUNDS = 40;
  const { messages, sent } = pipeline(n, SERIES, ROUNDS, 2);
  // Bad records among the good ones: each must reach the dead-letter topic with its reason.
  messages.splice(100, 0, { partition: 0, value: adapterRecord('node_load1', { instance: 'x', job: 'node' }, T0, '+Inf') });
  messages.splice(300, 0, { partition: 1, value: '{"labels": {"__name__": "up"' });
  // Prometheus's staleness marker: dropped and counted, not a dead letter.
  messages.splice(500, 0, { partition: 1, value: adapterRecord('node_load1', { instance: 'gone:9100', job: 'node' }, T0, 'NaN') });
  await sendRecords(n.prom, messages);
  // format: auto — each record sniffed: the adapter's JSON, Telegraf's line protocol and JSON, junk.
  await sendRecords(n.mixed, [
    { value: adapterRecord('up', { job: 'api', instance: 'a:80' }, T0, 1) },
    { value: 'this is no pipeline format at all' },
    { value: `cpu,host=db-1 usage_idle=97.5,usage_user=2i ${T0}000000\n` },
    { value: JSON.stringify({ fields: { used: 12.5 }, name: 'mem', tags: { host: 'db-1' }, timestamp: T0 / 1000 }) },
  ]);
  sent.push(
    { series: 'up{instance="a:80",job="api"}', ts: T0, value: 1 },
    { series: 'cpu_usage_idle{host="db-1"}', ts: T0, value: 97.5 },
    { series: 'cpu_usage_user{host="db-1"}', ts: T0, value: 2 },
    { series: 'mem_used{host="db-1"}', ts: T0, value: 12.5 },
  );

  const reader = new MetricsReader(n.metrics);
  t.after(() => reader.close());
  await reader.start();
  await ensureTopic(n.deadLetter, 1);
  const dead = new TopicReader(n.deadLetter, (m) => m.headers);
  t.after(() => dead.close());
  await dead.start();
  const { stop, metrics } = await startStage(testConfig(n, 4));
  t.after(stop);

  await waitUntil(
    () => reader.samples() >= sent.length,
    60_000,
    `all ${sent.length} samples on the metrics topic (have ${reader.samples()})`,
  );
  await dead.waitFor((items) => items.length >= 3, 30_000, 'three dead letters');

  // Every sample once (no restart here, so no duplicates), keyed by its canonical id.
  const got = reader.records.flatMap((r) => r.points.map(([ts, value]) => `${r.key} ${ts} ${value}`)).sort();
  assert.deepEqual(got, sent.map((s) => `${s.series} ${s.ts} ${s.value}`).sort());
  // One partition per series; in order per series (each series came through one input partition).
  const partitionOf = new Map<string, number>();
  const lastTs = new Map<string, number>();
  for (const r of reader.records) {
    assert.equal(partitionOf.get(r.key) ?? r.partition, r.partition, `series ${r.key} on one partition`);
    partitionOf.set(r.key, r.partition);
    for (const [ts] of r.points) {
      assert.ok(ts > (lastTs.get(r.key) ?? -Infinity), `series ${r.key}: ${ts} after ${lastTs.get(r.key)}`);
      lastTs.set(r.key, ts);
    }
  }
  assert.ok(new Set(partitionOf.values()).size > 1, 'series spread over the partitions');
  // Many points of a series per record: far fewer records than samples.
  assert.ok(reader.records.length * 4 <= sent.length, `${reader.records.length} records for ${sent.length} samples`);

  const header = (h: Record<string, unknown>, name: string) => String(h[name]);
  const reasons = dead.items.map((h) => `${header(h, DEAD_LETTER_HEADERS.sourceTopic)} ${header(h, DEAD_LETTER_HEADERS.reason)}`).sort();
  assert.deepEqual(reasons, [`${n.mixed} bad_shape`, `${n.prom} non_finite_value`, `${n.prom} not_json`]);
  const unsniffed = dead.items.find((h) => header(h, DEAD_LETTER_HEADERS.sourceTopic) === n.mixed)!;
  assert.match(header(unsniffed, DEAD_LETTER_HEADERS.error), /^format auto: the value matches none of the pipeline formats/);

  // Offsets: committed to the end of every input partition once the output is acked.
  await waitUntil(
    async () => {
      const [prom, mixed] = [await committedOffsets(n.ingestGroup, n.prom), await committedOffsets(n.ingestGroup, n.mixed)];
      return [...prom.values()].reduce((a, b) => a + b, 0) === messages.length && mixed.get(0) === 4;
    },
    15_000,
    'offsets committed to the end of the input',
  );
  const text = await metrics.registry.metrics();
  assert.match(text, new RegExp(`sigmawatch_ingest_samples_total\\{format="prometheus-kafka-adapter"\\} ${sent.length - 3}\\b`));
  assert.match(text, /sigmawatch_ingest_samples_total\{format="influx-line"\} 2\b/);
  assert.match(text, /sigmawatch_ingest_records_total\{format="telegraf-json",outcome="decoded"\} 1\b/);
  assert.match(text, /sigmawatch_ingest_records_total\{format="unknown",outcome="dead_letter"\} 1\b/);
  assert.match(text, /sigmawatch_ingest_dead_letters_total\{reason="non_finite_value"\} 1\b/);
  assert.match(text, /sigmawatch_ingest_skipped_samples_total\{format="prometheus-kafka-adapter",reason="stale_marker"\} 1\b/);
  assert.match(text, new RegExp(`sigmawatch_ingest_output_samples_total ${sent.length}\\b`));
});

test('end to end: pipeline records → ingest → worker: the injected spike alerts on the right series', async (t) => {
  const n = freshIngestNames('ingest-e2e');
  await ensureTopic(n.prom, 2);
  await ensureTopic(n.mixed, 1);
  await ensureTopic(n.metrics, 3);
  // The default rules (z = 6): noise around the level never fires, the spike (60σ) does. The
  // output batches are lz4-compressed: the worker reads them.
  const config = loadConfig({
    env: { KAFKA_BROKERS: requireBrokers().join(',') },
    overrides: { ...overrides(n, 3), 'ingest.compression': 'lz4' },
  });
  const { stop: stopWorker } = await startWorker(config);
  t.after(stopWorker);
  const alerts = await alertReader(n.alerts).start();
  t.after(() => alerts.close());
  const { stop } = await startStage(config);
  t.after(stop);

  const g = gaussian(mulberry32(11));
  const messages: Message[] = [];
  const SPIKE = 70;
  for (let r = 0; r < 90; r++) {
    for (let s = 0; s < 6; s++) {
      const v = s === 4 && r === SPIKE ? 40 : 10 + 0.5 * g();
      messages.push({ value: adapterRecord('queue_depth', { queue: `q${s}` }, T0 + r * 15_000, v.toFixed(4)) });
    }
  }
  await sendRecords(n.prom, messages);
  await alerts.waitFor(
    (items) => items.some((a) => a.status === 'firing' && a.series === 'queue_depth{queue="q4"}' && a.ts === T0 + SPIKE * 15_000),
    60_000,
    'the alert on the spike',
  );
  const fired = alerts.items.filter((a) => a.status === 'firing');
  assert.ok(
    fired.every((a) => a.series === 'queue_depth{queue="q4"}'),
    `only the spiked series fires: ${fired.map((a) => a.series).join(', ')}`,
  );
});

test('a stage killed with SIGKILL mid-stream and restarted loses no sample (duplicates allowed); exit 2 without ingest.topics', async (t) => {
  const n = freshIngestNames('ingest-kill');
  await ensureTopic(n.prom, 2);
  await ensureTopic(n.mixed, 1);
  await ensureTopic(n.metrics, 2);
  const reader = new MetricsReader(n.metrics);
  t.after(() => reader.close());
  await reader.start();
  const { messages, sent } = pipeline(n, 50, 200, 2);
  const sets = { ...overrides(n, 2), 'ingest.max_bytes_per_partition': 16384, 'ingest.fetch_max_wait': '10ms' };

  const first = new ServiceProcess('ingest', sets);
  t.after(() => first.dispose());
  await first.waitForLog((l) => l.msg === 'joined group', 30_000, 'the first stage to join');
  const producing = sendRecords(n.prom, messages);
  await waitUntil(() => reader.samples() >= 1000, 60_000, 'the first stage to be mid-stream');
  first.child.kill('SIGKILL');
  assert.equal((await first.exited).signal, 'SIGKILL');
  await producing;
  assert.ok(reader.samples() < sent.length, `killed before the end (${reader.samples()} of ${sent.length})`);

  const second = new ServiceProcess('ingest', sets);
  t.after(() => second.dispose());
  const expected = new Set(sent.map((s) => `${s.series} ${s.ts}`));
  const seen = () => new Set(reader.records.flatMap((r) => r.points.map(([ts]) => `${r.key} ${ts}`)));
  await waitUntil(() => seen().size >= expected.size, 90_000, `every sample after the restart (have ${seen().size} of ${expected.size})`);
  assert.deepEqual([...seen()].sort(), [...expected].sort());
  second.child.kill('SIGTERM');
  const exit = await withTimeout(second.exited, 30_000, 'the second stage to stop on SIGTERM');
  assert.equal(exit.code, 0, second.stderr.join('\n'));

  const bare = new ServiceProcess('ingest', { ...sets, 'ingest.topics': '[]' });
  t.after(() => bare.dispose());
  const r = await withTimeout(bare.exited, 30_000, 'ingest without topics to exit');
  assert.equal(r.code, 2);
  assert.match(bare.stderr.join('\n'), /ingest\.topics must list at least one \{topic, format\}/);
});

test('ingest.partition_by: every series of a group lands on one metrics partition (as SLO rules need), keyed by its own id', async (t) => {
  const n = freshIngestNames('ingest-partition-by');
  await ensureTopic(n.prom, 1);
  await ensureTopic(n.mixed, 1);
  await ensureTopic(n.metrics, 4);
  const services = ['checkout', 'search', 'payments'];
  const messages: Message[] = [];
  for (const service of services)
    for (let i = 0; i < 8; i++)
      for (const code of ['200', '500'])
        messages.push({ value: adapterRecord('http_requests_total', { service, instance: `pod-${i}`, code }, T0, 10) });
  await sendRecords(n.prom, messages);
  const reader = new MetricsReader(n.metrics);
  t.after(() => reader.close());
  await reader.start();
  const config = loadConfig({
    env: { KAFKA_BROKERS: requireBrokers().join(',') },
    overrides: { ...overrides(n, 4), 'ingest.partition_by': '[service]' },
  });
  const { stop } = await startStage(config);
  t.after(stop);
  await waitUntil(() => reader.samples() >= messages.length, 60_000, `all ${messages.length} samples (have ${reader.samples()})`);

  const partitionsOf = new Map<string, Set<number>>();
  for (const r of reader.records) {
    const service = /service="([^"]+)"/.exec(r.key)![1]!;
    (partitionsOf.get(service) ?? partitionsOf.set(service, new Set()).get(service)!).add(r.partition);
    assert.match(r.key, /^http_requests_total\{code="\d+",instance="pod-\d",service="\w+"\}$/, 'keyed by the series id');
  }
  const expected = new GroupPartitioner(n.metrics, ['service'], 4);
  for (const service of services)
    assert.deepEqual(
      [...partitionsOf.get(service)!],
      [expected.partitionOf(`http_requests_total{service="${service}"}`)],
      `${service}: one partition, the one its label value hashes to`,
    );
});
