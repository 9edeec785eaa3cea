/**
 * `produceLoad`: synthetic telemetry into the metrics topic, bounded by a sample count, a wall-clock
 * duration or an AbortSignal (whichever comes first), optionally rate-limited. Used by
 * `sigmawatch produce`, the demo and the benchmarks.
 *
 * Throughput comes from batching: records go out in chunks of up to `batchSize` per `send` (one
 * produce request per broker), with up to `maxInFlight` requests outstanding. kafkajs does not keep
 * concurrent `send` calls in call order (each awaits metadata and encoding before it writes), so two
 * chunks in flight together must not hold the same series, or its samples could land out of order:
 * the records in flight never exceed the series count, and any that many consecutive records (of
 * the round-robin, or of a compact-multi pass) are distinct series. Chunks are sized so that
 * `maxInFlight` of them fit in that window.
 * acks = all, no compression, no auto-creation: the topic must exist (the CLI creates it).
 */

import { setTimeout as sleep } from 'node:timers/promises';

import kafkajs from 'kafkajs';
import type { ICustomPartitioner, Kafka as KafkaClient, KafkaConfig, Message, PartitionMetadata, Producer } from 'kafkajs';

import { kafkaLogCreator, kafkaLogLevel, type Logger } from '../observe/logger.js';
import { TelemetryGenerator, type GeneratorOptions, type InjectedAnomaly } from './generator.js';
import { RecordSource, SAMPLE_FORMATS, type RecordChunk, type SampleFormat } from './records.js';
import { expectInteger, expectNumber } from './validate.js';

// kafkajs is CommonJS: under NodeNext only the default import exposes its runtime values.
const { Kafka, CompressionTypes, Partitioners, logLevel } = kafkajs;

export interface ProduceOptions extends GeneratorOptions {
  /** Bootstrap `host:port` list. */
  brokers: readonly string[];
  /** Must exist: producing never creates topics. */
  topic: string;
  /** Default `sigmawatch-produce`. */
  clientId?: string;
  /** TLS / SASL options for the kafkajs client (see src/kafka/connection.ts). */
  connection?: Pick<KafkaConfig, 'ssl' | 'sasl'>;
  format: SampleFormat;
  /** Stop after this many samples. At least one of `samples` and `durationMs` is required. */
  samples?: number;
  /** Stop after this much wall-clock time (checked between chunks). */
  durationMs?: number;
  /** Samples per second of wall time; 0 or absent = as fast as the broker takes them. */
  rate?: number;
  /** compact-multi only: points per record (consecutive samples of one series). Default 10. */
  pointsPerRecord?: number;
  anomalyRate: number;
  anomalySigma: number;
  seed: number;
  /** Records per produce request, at most. Default 1000 (less with few series or a low rate). */
  batchSize?: number;
  /** Produce requests outstanding at once. Default 4. */
  maxInFlight?: number;
  /** Called after each acknowledged chunk. */
  onProgress?: (progress: ProduceProgress) => void;
  /** Abort = stop drawing, wait for the chunks in flight, disconnect, return the report. */
  signal?: AbortSignal;
  /** kafkajs's own log lines go here; without it kafkajs is silent (errors still throw). */
  logger?: Logger;
}

export interface ProduceProgress {
  /** Acknowledged so far. */
  samples: number;
  records: number;
  /** Injected so far (in drawn samples, acknowledged or in flight). */
  anomalies: number;
  /** Wall time since the first send. */
  seconds: number;
}

export interface ProduceReport {
  /** Samples sent and acknowledged. */
  samples: number;
  records: number;
  /** Every anomaly in the samples sent, in drawing order. */
  anomalies: InjectedAnomaly[];
  /** Wall time from the first send to the last acknowledgement. */
  seconds: number;
  samplesPerSecond: number;
  /** Sample time (Unix ms) of the earliest and latest samples sent; NaN when none were. */
  firstTs: number;
  lastTs: number;
  /** What ended the run. */
  stoppedBy: 'samples' | 'duration' | 'signal';
  /** Canonical ids of the series, by generator index. */
  series: readonly string[];
}

export const PRODUCE_DEFAULTS = {
  clientId: 'sigmawatch-produce',
  pointsPerRecord: 10,
  batchSize: 1000,
  maxInFlight: 4,
} as const;

/** With a rate limit, a chunk holds about this much wall time of samples: smooth, yet few sleeps. */
const RATE_CHUNK_MS = 50;

export async function produceLoad(options: ProduceOptions): Promise<ProduceReport> {
  const o = checkOptions(options);
  const generator = new TelemetryGenerator(options);
  const points = o.format === 'compact-multi' ? o.pointsPerRecord : 1;
  const recordsPerChunk = chunkRecords(o, generator.seriesCount, points);

  const kafka = createKafka(o, options.connection);
  const partitions = await seriesPartitions(kafka, o.topic, generator.ids);
  const source = new RecordSource(generator, o.format, o.batchSize, points, partitions);
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: presetPartitioner,
  });
  await producer.connect();

  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const requests: InFlightRequests = new InFlightRequests(producer, {
    topic: o.topic,
    maxInFlight: o.maxInFlight,
    seriesCount: generator.seriesCount,
    onAck: () =>
      o.onProgress?.({
        samples: requests.ackedSamples,
        records: requests.ackedRecords,
        anomalies: generator.anomalies.length,
        seconds: seconds(),
      }),
  });
  let stoppedBy: ProduceReport['stoppedBy'] | undefined;
  let secs = 0;
  try {
    stoppedBy = await sendUntilStopped({ o, source, requests, recordsPerChunk, started });
    await requests.all();
    secs = seconds(); // to the last acknowledgement, without the disconnect
  } finally {
    await requests.allSettled();
    await producer.disconnect();
  }
  if (requests.failure !== undefined) throw explain(requests.failure, o.topic);

  return {
    samples: requests.ackedSamples,
    records: requests.ackedRecords,
    anomalies: generator.anomalies,
    seconds: secs,
    samplesPerSecond: secs > 0 ? requests.ackedSamples / secs : 0,
    firstTs: source.firstTs,
    lastTs: source.lastTs,
    stoppedBy: stoppedBy!, // undefined only when a send failed, thrown above
    series: generator.ids,
  };
}

/** The kafkajs client; its log lines go to `o.logger`, or nowhere without one. */
function createKafka(o: CheckedOptions, connection: ProduceOptions['connection']): KafkaClient {
  return new Kafka({
    clientId: o.clientId,
    brokers: [...o.brokers],
    ...connection,
    logLevel: o.logger ? kafkaLogLevel(o.logger.level) : logLevel.NOTHING,
    ...(o.logger ? { logCreator: kafkaLogCreator(o.logger) } : {}),
  });
}

/**
 * Records per produce request: at most `batchSize`, few enough that `maxInFlight` chunks fit in
 * the series count (see the file comment), and about RATE_CHUNK_MS of samples under a rate limit.
 */
function chunkRecords(o: CheckedOptions, seriesCount: number, points: number): number {
  const window = Math.max(1, Math.ceil(seriesCount / o.maxInFlight));
  return Math.min(o.batchSize, window, o.rate > 0 ? Math.max(1, Math.floor((o.rate * RATE_CHUNK_MS) / 1000 / points)) : Infinity);
}

/**
 * Draws chunks and hands them to `requests` until the sample count, the duration or the signal
 * ends the run (returned), or a send has failed (undefined; the caller throws the failure).
 * Does not wait for the last requests.
 */
async function sendUntilStopped(run: {
  o: CheckedOptions;
  source: RecordSource;
  requests: InFlightRequests;
  recordsPerChunk: number;
  started: number;
}): Promise<ProduceReport['stoppedBy'] | undefined> {
  const { o, source, requests, recordsPerChunk, started } = run;
  let sent = 0; // samples handed to send()
  for (;;) {
    if (requests.failure !== undefined) return undefined;
    if (sent >= o.samples) return 'samples';
    if (o.signal?.aborted) return 'signal';
    if (performance.now() - started >= o.durationMs) return 'duration';
    const chunk = source.next(recordsPerChunk, o.samples - sent);
    if (chunk.records.length === 0) throw new Error(`produceLoad: drew an empty chunk with ${o.samples - sent} samples left (a bug)`);
    sent += chunk.samples;
    await requests.waitForRoom(chunk.records.length);
    requests.send(chunk);
    if (o.rate > 0) await pause(started + (sent / o.rate) * 1000 - performance.now(), o.signal);
  }
}

/**
 * The produce requests outstanding and what the acknowledged ones carried. A failed request does
 * not reject: it is kept in `failure` (the first one wins) and the run stops drawing.
 */
class InFlightRequests {
  ackedSamples = 0;
  ackedRecords = 0;
  failure: unknown;
  readonly #requests = new Set<Promise<void>>();
  /** Records in the outstanding requests: never more than the series count (see the file comment). */
  #records = 0;
  readonly #producer: Producer;
  readonly #options: { topic: string; maxInFlight: number; seriesCount: number; onAck: () => void };

  constructor(producer: Producer, options: { topic: string; maxInFlight: number; seriesCount: number; onAck: () => void }) {
    this.#producer = producer;
    this.#options = options;
  }

  /** Waits until a chunk of `records` records may be sent. */
  async waitForRoom(records: number): Promise<void> {
    const { maxInFlight, seriesCount } = this.#options;
    // At most maxInFlight requests, and never one series in two of them (see the file comment).
    while (this.#requests.size >= maxInFlight || (this.#requests.size > 0 && this.#records + records > seriesCount)) {
      await Promise.race(this.#requests);
    }
  }

  send(chunk: RecordChunk): void {
    this.#records += chunk.records.length;
    const request = this.#producer
      .send({ topic: this.#options.topic, acks: -1, compression: CompressionTypes.None, messages: chunk.records as Message[] })
      .then(
        () => {
          this.ackedSamples += chunk.samples;
          this.ackedRecords += chunk.records.length;
          this.#options.onAck();
        },
        (error: unknown) => {
          this.failure ??= error;
        },
      )
      .finally(() => {
        this.#requests.delete(request);
        this.#records -= chunk.records.length;
      });
    this.#requests.add(request);
  }

  /** Every outstanding request answered; rejects if an acknowledgement callback threw. */
  all(): Promise<unknown> {
    return Promise.all(this.#requests);
  }

  allSettled(): Promise<unknown> {
    return Promise.allSettled(this.#requests);
  }
}

interface CheckedOptions {
  brokers: readonly string[];
  topic: string;
  clientId: string;
  format: SampleFormat;
  samples: number;
  durationMs: number;
  rate: number;
  pointsPerRecord: number;
  batchSize: number;
  maxInFlight: number;
  onProgress: ((progress: ProduceProgress) => void) | undefined;
  signal: AbortSignal | undefined;
  logger: Logger | undefined;
}

function checkOptions(options: ProduceOptions): CheckedOptions {
  if (!Array.isArray(options.brokers) || options.brokers.length === 0)
    throw new RangeError('Expected `brokers` to be a non-empty list of host:port');
  if (typeof options.topic !== 'string' || options.topic === '')
    throw new RangeError(`Expected \`topic\` to be a topic name, got ${JSON.stringify(options.topic)}`);
  if (!SAMPLE_FORMATS.includes(options.format)) {
    throw new RangeError(`Expected \`format\` to be one of ${SAMPLE_FORMATS.join(', ')}, got ${JSON.stringify(options.format)}`);
  }
  if (options.samples === undefined && options.durationMs === undefined) {
    throw new RangeError('produceLoad needs a bound: give `samples`, `durationMs`, or both (it stops at whichever comes first)');
  }
  return {
    brokers: options.brokers,
    topic: options.topic,
    clientId: options.clientId ?? PRODUCE_DEFAULTS.clientId,
    format: options.format,
    samples: options.samples === undefined ? Infinity : expectInteger('samples', options.samples, 1),
    durationMs: options.durationMs === undefined ? Infinity : expectNumber('durationMs', options.durationMs, 1),
    rate: expectNumber('rate', options.rate ?? 0, 0),
    pointsPerRecord: expectInteger('pointsPerRecord', options.pointsPerRecord ?? PRODUCE_DEFAULTS.pointsPerRecord, 1, 1_000_000),
    batchSize: expectInteger('batchSize', options.batchSize ?? PRODUCE_DEFAULTS.batchSize, 1, 1_000_000),
    maxInFlight: expectInteger('maxInFlight', options.maxInFlight ?? PRODUCE_DEFAULTS.maxInFlight, 1, 1000),
    onProgress: options.onProgress,
    signal: options.signal,
    logger: options.logger,
  };
}

/**
 * The partition of every series' key, by kafkajs's own default partitioner (murmur2 of the key,
 * as the Java client), computed once: per record, hashing the key cost kafkajs more than the
 * whole rest of our side. Also the check that the topic exists, with a message saying what to do.
 */
async function seriesPartitions(kafka: KafkaClient, topic: string, ids: readonly string[]): Promise<Int32Array> {
  const admin = kafka.admin();
  await admin.connect();
  let partitionMetadata: PartitionMetadata[];
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    partitionMetadata = topics.find((t) => t.name === topic)?.partitions ?? [];
  } catch (error) {
    throw explain(error, topic);
  } finally {
    await admin.disconnect();
  }
  if (partitionMetadata.length === 0) throw explain({ type: 'UNKNOWN_TOPIC_OR_PARTITION' }, topic);
  partitionMetadata = [...partitionMetadata].sort((a, b) => a.partitionId - b.partitionId);
  const partitioner = Partitioners.DefaultPartitioner();
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    out[i] = partitioner({ topic, partitionMetadata, message: { key: Buffer.from(ids[i]!, 'utf8'), value: null } });
  }
  return out;
}

/** Uses the partition set on the record (see seriesPartitions); falls back to the default partitioner. */
const presetPartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args) => args.message.partition ?? fallback(args);
};

/** Sleeps `ms` (if positive); an abort ends the sleep early, without throwing. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return;
  await sleep(ms, undefined, signal ? { signal } : {}).catch((e: unknown) => {
    if ((e as Error).name !== 'AbortError') throw e;
  });
}

/** kafkajs's error for a missing topic does not say what to do; this one does. */
function explain(error: unknown, topic: string): unknown {
  const e = error as { type?: string; message?: string; cause?: { type?: string } };
  if (e?.type === 'UNKNOWN_TOPIC_OR_PARTITION' || e?.cause?.type === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return new Error(
      `topic ${JSON.stringify(topic)} does not exist: create it first (sigmawatch produce does when kafka.create_topics is true)`,
      {
        cause: error,
      },
    );
  }
  return error;
}
