/**
 * ingest: samples per second on one core through the ingest stage's path without Kafka — decode
 * (the format's decoder), normalise (canonical series ids), group per series and encode compact
 * multi-point records (IngestTranslator, what `sigmawatch ingest` runs per fetched batch) — for
 * each pipeline format whose decoder is built, with two references measured in the same run on the
 * same records: the decoder alone (into a sink that only counts) and, for the JSON formats, the bare
 * `toString` + `JSON.parse` of the values (the least any JSON decoder must do).
 *
 * Method (STYLE.md 14): records made before timing from a seeded PRNG (OTLP ones by the
 * OpenTelemetry JS SDK and its OTLP serializers, as the Collector's exporters write them), laid out
 * as kafkajs hands them over (slices of one buffer); warm-up, then REPS timed repetitions of whole
 * passes; min and mean ± std of ns per sample; a sink fed from every result.
 *
 * `npm run bench -- ingest` (writes bench/results/ingest.{md,json} and docs/benchmarks.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { SourceRecord } from '../../src/codec/source-record.js';
import type { IngestDecoder, IngestFormat, SampleSink } from '../../src/ingest/format.js';
import { createDecoder, sniffFormat } from '../../src/ingest/formats/index.js';
import { IngestTranslator, type TopicFormat } from '../../src/ingest/translator.js';
import { Kafka, logLevel } from 'kafkajs';
import { resolveBrokers } from '../../src/broker/index.js';
import { loadConfig } from '../../src/config/index.js';
import { IngestStage } from '../../src/ingest/stage.js';
import { createIngestMetrics } from '../../src/ingest/metrics.js';
import { createLogger } from '../../src/observe/logger.js';
import { fmtInt, fmtNs, machine, markdownTable, nowNs, stats, textTable } from '../core/measure.js';
import { mulberry32 } from '../../test/support/random.js';

export interface Row {
  format: string;
  path: string;
  records: number;
  samples_per_record: number;
  bytes_per_record: number;
  ns_per_sample_min: number;
  ns_per_sample_mean: number;
  ns_per_sample_std: number;
  /** 1e9 / ns_per_sample_min: samples per second on one core, best repetition. */
  samples_per_s: number;
  /** Output records per input record (the packing: many points of a series per record). */
  out_records_per_record: number | null;
  reps: number;
}

export type IngestBenchResult = Row[] & { markdown: string };

export interface IngestBenchContext {
  readonly root?: string;
  readonly args?: ReadonlyMap<string, string>;
}

const SEED = 0x1a9e57;
/** Single-sample formats: records per corpus and series among them. */
const RECORDS = 8192;
const SERIES = 1000;
/** Records per translate() call: about one fetched batch. */
const BATCH = 512;
const WARMUP_MS = 400;
const REPS = 7;
const REP_MS = 200;
const T0 = Date.UTC(2026, 10, 1);

interface Corpus {
  readonly format: IngestFormat;
  readonly values: Buffer[];
  /** Samples the stage makes of one pass (counted once before timing). */
  samples: number;
}

/** Records copied into one buffer, 3 bytes apart, handed out as slices (as kafkajs does). */
function asFetchSlices(records: readonly Uint8Array[]): Buffer[] {
  const fetch = Buffer.alloc(records.reduce((n, r) => n + r.length + 3, 16));
  let at = 13;
  return records.map((r) => {
    fetch.set(r, at);
    const slice = fetch.subarray(at, at + r.length);
    at += r.length + 3;
    return slice;
  });
}

/** Single-sample records of `SERIES` series, in rounds, from a writer of one record. */
function rounds(format: IngestFormat, write: (series: number, ms: number, value: number) => string): Corpus {
  const rand = mulberry32(SEED);
  const values: Buffer[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const s = i % SERIES;
    const ms = T0 + Math.floor(i / SERIES) * 15_000;
    values.push(Buffer.from(write(s, ms, Math.round((100 + (rand() - 0.5) * 10) * 1e4) / 1e4)));
  }
  return { format, values: asFetchSlices(values), samples: 0 };
}

const labelsOf = (s: number) => ({ instance: `web-${String(s).padStart(4, '0')}:9100`, job: 'node', region: 'eu-west-1' });
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const CORPORA: Record<Exclude<IngestFormat, 'otlp-proto' | 'otlp-json'>, () => Corpus> = {
  // prometheus-kafka-adapter's JSON serializer: one sample per record.
  'prometheus-kafka-adapter': () =>
    rounds('prometheus-kafka-adapter', (s, ms, v) =>
      JSON.stringify({ labels: { __name__: 'node_load1', ...labelsOf(s) }, name: 'node_load1', timestamp: rfc3339(ms), value: String(v) }),
    ),
  // Telegraf outputs.kafka, influx serializer: one metric (two fields) per record.
  'influx-line': () =>
    rounds('influx-line', (s, ms, v) => {
      const l = labelsOf(s);
      return `cpu,host=${l.instance.replace(':', '_')},region=${l.region} usage_idle=${v},usage_user=${(100 - v).toFixed(4)} ${ms}000000\n`;
    }),
  // Telegraf outputs.kafka, json serializer.
  'telegraf-json': () =>
    rounds('telegraf-json', (s, ms, v) =>
      JSON.stringify({
        fields: { usage_idle: v, usage_user: 100 - v },
        name: 'cpu',
        tags: { host: labelsOf(s).instance, region: 'eu-west-1' },
        timestamp: ms / 1000,
      }),
    ),
  // Vector kafka sink, json codec, a gauge metric event.
  'vector-json': () =>
    rounds('vector-json', (s, ms, v) =>
      JSON.stringify({
        name: 'load1',
        namespace: 'node',
        tags: labelsOf(s),
        timestamp: rfc3339(ms),
        kind: 'absolute',
        gauge: { value: v },
      }),
    ),
};

class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * OTLP records as the Collector's kafka exporter writes them (one ExportMetricsServiceRequest per
 * record): each export holds a gauge of `SERIES / 10` series and a histogram of 10 series.
 */
async function otlpCorpora(): Promise<{ proto: Corpus; json: Corpus }> {
  const rand = mulberry32(SEED + 1);
  const reader = new ManualReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'web-1' }),
    readers: [reader],
  });
  const meter = provider.getMeter('sigmawatch-bench', '1.0.0');
  const gauge = meter.createObservableGauge('queue_depth');
  gauge.addCallback((r) => {
    for (let s = 0; s < SERIES / 10; s++) r.observe(50 + rand() * 10, { queue: `q-${s}`, region: 'eu-west-1' });
  });
  const latency = meter.createHistogram('request_duration', { unit: 's' });
  const proto: Uint8Array[] = [];
  const json: Uint8Array[] = [];
  for (let e = 0; e < 120; e++) {
    for (let s = 0; s < 10; s++) for (let k = 0; k < 20; k++) latency.record(rand() * 0.5, { route: `/r${s}` });
    const before = Date.now();
    while (Date.now() < before + 2) await new Promise((r) => setImmediate(r)); // distinct ms per export
    const { resourceMetrics } = await reader.collect();
    proto.push(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!);
    json.push(JsonMetricsSerializer.serializeRequest(resourceMetrics)!);
  }
  await provider.shutdown();
  return {
    proto: { format: 'otlp-proto', values: asFetchSlices(proto), samples: 0 },
    json: { format: 'otlp-json', values: asFetchSlices(json), samples: 0 },
  };
}

let sink = 0;

/** One pass over a corpus; returns the samples it made. */
type Pass = () => number;

function stagePass(c: Corpus, topicFormat: TopicFormat, batch = BATCH): Pass {
  const t = new IngestTranslator({ maxPointsPerRecord: 500, decoderFor: (f) => createDecoder(f), sniff: sniffFormat });
  const records: SourceRecord[] = c.values.map((value, i) => ({ key: null, value, offset: String(i) }));
  const source = { topic: 'pipeline', partition: 0, format: topicFormat };
  return () => {
    let n = 0;
    for (let i = 0; i < records.length; i += batch) {
      const out = t.translate(records, source, T0, i, Math.min(records.length, i + batch));
      n += out.samplesOut;
      outRecords += out.records.length;
      sink += out.records.length > 0 ? out.records[out.records.length - 1]!.value.length : 0;
      if (out.deadLetters.length > 0)
        throw new Error(
          `${c.format}: ${out.deadLetters.length} dead letters, e.g. ${String(out.deadLetters[0]!.headers['sigmawatch-error'])}`,
        );
    }
    return n;
  };
}
let outRecords = 0;

function decoderPass(c: Corpus): Pass {
  const d: IngestDecoder = createDecoder(c.format);
  let n = 0;
  const counter: SampleSink = {
    push(_series, ts, v) {
      n++;
      sink += v + ts * 0;
    },
  };
  return () => {
    n = 0;
    for (const v of c.values) d.decode(v, counter);
    return n;
  };
}

function jsonParsePass(c: Corpus): Pass {
  return () => {
    for (const v of c.values) {
      const o = JSON.parse(v.toString('utf8')) as Record<string, unknown>;
      sink += o === null ? 0 : 1;
    }
    return c.samples;
  };
}

function measure(format: string, path: string, c: Corpus, pass: Pass): Row {
  const warmEnd = Date.now() + WARMUP_MS;
  while (Date.now() < warmEnd) pass();
  const runs: number[] = [];
  outRecords = 0;
  let passes = 0;
  for (let r = 0; r < REPS; r++) {
    let samples = 0;
    const start = nowNs();
    const end = start + REP_MS * 1e6;
    let t = start;
    do {
      samples += pass();
      passes++;
      t = nowNs();
    } while (t < end);
    runs.push((t - start) / samples);
  }
  const s = stats(runs);
  const bytes = c.values.reduce((n, v) => n + v.length, 0);
  return {
    format,
    path,
    records: c.values.length,
    samples_per_record: c.samples / c.values.length,
    bytes_per_record: bytes / c.values.length,
    ns_per_sample_min: s.min,
    ns_per_sample_mean: s.mean,
    ns_per_sample_std: s.std,
    samples_per_s: 1e9 / s.min,
    out_records_per_record: path.startsWith('ingest') ? outRecords / passes / c.values.length : null,
    reps: REPS,
  };
}

/** Records through the real broker: adapter records pre-produced to a 3-partition topic. */
const BROKER_RECORDS = 100_000;

const say = (line: string) => process.stderr.write(`${line}\n`);

/**
 * One `IngestStage` draining BROKER_RECORDS prometheus-kafka-adapter records from a local broker
 * (started unless KAFKA_BROKERS is set) to a keyed metrics topic: consume, decode, pack, produce
 * with acks = all, commit. Timed from the first 5 % of the samples out to all of them (group join
 * and the first fetches left out), so it is the steady drain rate of one process.
 */
async function throughBroker(): Promise<Row> {
  const brokers = await resolveBrokers(undefined, { log: say });
  const stamp = `bench-ingest-${Date.now().toString(36)}`;
  const kafka = new Kafka({ clientId: 'sigmawatch-bench', brokers: brokers.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  let stage: IngestStage | undefined;
  try {
    await admin.connect();
    const topics = [`${stamp}.in`, `${stamp}.metrics`, `${stamp}.dlq`];
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })), waitForLeaders: true });
    const corpus = CORPORA['prometheus-kafka-adapter']();
    const producer = kafka.producer();
    await producer.connect();
    say(`ingest: producing ${BROKER_RECORDS} prometheus-kafka-adapter records…`);
    for (let i = 0; i < BROKER_RECORDS; i += 5000) {
      const messages = Array.from({ length: Math.min(5000, BROKER_RECORDS - i) }, (_, j) => ({
        value: corpus.values[(i + j) % corpus.values.length]!,
      }));
      await producer.send({ topic: topics[0]!, acks: -1, messages });
    }
    await producer.disconnect();
    const config = loadConfig({
      env: { KAFKA_BROKERS: brokers.brokers.join(',') },
      overrides: {
        'kafka.topics.metrics': topics[1],
        'kafka.topics.dead_letter': topics[2],
        'ingest.group_id': `${stamp}.group`,
        'ingest.topics': `[{topic: ${topics[0]}, format: prometheus-kafka-adapter}]`,
        'log.level': 'silent',
      },
    });
    const metrics = createIngestMetrics();
    stage = new IngestStage({
      config,
      brokers: brokers.brokers,
      logger: createLogger({ level: 'silent' }),
      metrics,
      decoderFor: (f) => createDecoder(f),
      sniff: sniffFormat,
    });
    const out = async () => (await metrics.outputSamples.get()).values[0]?.value ?? 0;
    await stage.start();
    const deadline = Date.now() + 300_000;
    let from: { ns: number; samples: number } | undefined;
    let last = 0;
    while ((last = await out()) < BROKER_RECORDS) {
      if (Date.now() > deadline) throw new Error(`ingest through the broker: ${last} of ${BROKER_RECORDS} samples after 300 s`);
      if (from === undefined && last >= BROKER_RECORDS * 0.05) from = { ns: nowNs(), samples: last };
      await new Promise((r) => setTimeout(r, 10));
    }
    const ns = nowNs() - from!.ns;
    const perSample = ns / (last - from!.samples);
    const bytes = corpus.values.reduce((n, v) => n + v.length, 0);
    return {
      format: 'prometheus-kafka-adapter',
      path: 'through the broker: one IngestStage (consume, decode, produce acks=all, commit)',
      records: BROKER_RECORDS,
      samples_per_record: 1,
      bytes_per_record: bytes / corpus.values.length,
      ns_per_sample_min: perSample,
      ns_per_sample_mean: perSample,
      ns_per_sample_std: 0,
      samples_per_s: 1e9 / perSample,
      out_records_per_record: ((await metrics.outputRecords.get()).values[0]?.value ?? 0) / BROKER_RECORDS,
      reps: 1,
    };
  } finally {
    await stage?.stop();
    if (brokers.source !== 'started')
      await admin.deleteTopics({ topics: [`${stamp}.in`, `${stamp}.metrics`, `${stamp}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
    await brokers.stop();
  }
}

/** Whether this format's decoder is built yet (the decoders land format by format). */
function built(format: IngestFormat): boolean {
  try {
    createDecoder(format);
    return true;
  } catch {
    return false;
  }
}

export async function runIngestBench(ctx: IngestBenchContext = {}): Promise<IngestBenchResult> {
  const started = Date.now();
  const otlp = await otlpCorpora();
  const corpora: Corpus[] = [];
  const skipped: string[] = [];
  for (const format of ['prometheus-kafka-adapter', 'otlp-proto', 'otlp-json', 'influx-line', 'telegraf-json', 'vector-json'] as const) {
    if (!built(format)) {
      skipped.push(format);
      continue;
    }
    corpora.push(format === 'otlp-proto' ? otlp.proto : format === 'otlp-json' ? otlp.json : CORPORA[format]());
  }
  const rows: Row[] = [];
  for (const c of corpora) {
    c.samples = decoderPass(c)();
    const otlpFormat = c.format === 'otlp-proto' || c.format === 'otlp-json';
    const cases: Array<[string, Pass]> = otlpFormat
      ? [
          ['ingest, 1 export per batch (steady state)', stagePass(c, c.format, 1)],
          ['ingest, 120 exports per batch (catching up)', stagePass(c, c.format)],
          ['ingest, format auto, 1 export per batch', stagePass(c, 'auto', 1)],
        ]
      : [
          [`ingest: decode + normalise + pack + encode`, stagePass(c, c.format)],
          ['ingest, format auto (sniffed per record)', stagePass(c, 'auto')],
        ];
    cases.push(['decoder alone (counting sink)', decoderPass(c)]);
    if (c.format !== 'otlp-proto' && c.format !== 'influx-line') cases.push(['baseline: toString + JSON.parse', jsonParsePass(c)]);
    for (const [path, pass] of cases) {
      const row = measure(c.format, path, c, pass);
      rows.push(row);
      process.stderr.write(
        `ingest: ${c.format} / ${path}: ${fmtNs(row.ns_per_sample_min)} ns/sample, ${fmtInt(row.samples_per_s)} samples/s\n`,
      );
    }
  }
  if (ctx.args?.get('ingest-broker') !== 'false') {
    const row = await throughBroker();
    rows.push(row);
    say(`ingest: through the broker: ${fmtInt(row.samples_per_s)} samples/s`);
  }
  return report(rows, skipped, ctx, (Date.now() - started) / 1000);
}

async function report(rows: Row[], skipped: string[], ctx: IngestBenchContext, elapsedS: number): Promise<IngestBenchResult> {
  const head = [
    'format',
    'path',
    'samples/record',
    'bytes/record',
    'ns/sample min',
    'mean ± std',
    'samples/s (1 core)',
    'out records/record',
  ];
  const cells = rows.map((r) => [
    r.format,
    r.path,
    r.samples_per_record.toFixed(1),
    r.bytes_per_record.toFixed(0),
    fmtNs(r.ns_per_sample_min),
    `${fmtNs(r.ns_per_sample_mean)} ± ${fmtNs(r.ns_per_sample_std)}`,
    fmtInt(r.samples_per_s),
    r.out_records_per_record === null ? '—' : r.out_records_per_record.toFixed(3),
  ]);
  process.stdout.write(
    [
      '',
      `ingest: ns per sample on one core, ${REPS} reps of ~${REP_MS} ms`,
      '',
      textTable(head, cells),
      '',
      `sink ${sink.toFixed(0)}; ${elapsedS.toFixed(0)} s`,
    ].join('\n') + '\n',
  );
  if (ctx.root !== undefined) {
    const dir = join(ctx.root, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ingest.json'), JSON.stringify(rows, null, 2) + '\n');
  }
  const m = await machine();
  const markdown = [
    '## ingest: pipeline formats to keyed records',
    '',
    `Samples per second on one core through \`sigmawatch ingest\`'s path without Kafka (IngestTranslator: decode, canonical series ids, ` +
      `grouping per series, compact multi-point records). Single-sample formats: ${RECORDS} records over ` +
      `${SERIES} series from a seeded PRNG; OTLP: 120 exports of the OpenTelemetry JS SDK (a gauge of ${SERIES / 10} series and a histogram of 10 series ` +
      'each), serialized by its OTLP serializers. A batch (one `translate` call, as one fetched batch) holds ' +
      `${BATCH} single-sample records (about half a scrape of the ${SERIES} series: one point per series, so one output record per sample), ` +
      'or one OTLP export (steady state: one point per series) or all 120 (a consumer catching up: 120 points per series packed into one record). Warm-up, then ' +
      `${REPS} repetitions of ~${REP_MS} ms of whole passes; ns per sample as min and mean ± std. References on the same records: the decoder alone ` +
      '(into a sink that only counts) and, for JSON formats, `toString` + `JSON.parse` of the values. `out records/record`: keyed records written per input record. ' +
      `The last row: one IngestStage on a local broker draining ${BROKER_RECORDS} adapter records from 3 partitions to a keyed topic (acks = all, ` +
      'commit after acks), timed from 5 % of the output to all of it (`--ingest-broker=false` leaves it out).',
    '',
    markdownTable(head, cells),
    '',
    ...(skipped.length > 0 ? [`Not measured (decoder not built at this run): ${skipped.join(', ')}.`, ''] : []),
    `${m.cpu}, ${m.cores} cores, Node ${m.node}; ${elapsedS.toFixed(0)} s.`,
  ].join('\n');
  return Object.assign(rows, { markdown });
}
