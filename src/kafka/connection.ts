/**
 * How kafkajs clients reach the cluster: TLS and SASL from the configuration, PEM files read at
 * connect time (so a rotated certificate is picked up on restart). Every client sigmawatch makes
 * (worker, producer, admin) takes these options.
 */
import { readFileSync } from 'node:fs';
import { Kafka, type KafkaConfig as KafkajsConfig, type Producer, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from '../config/index.js';
import { kafkaLogCreator, kafkaLogLevel } from '../observe/logger.js';
import { registerCompressionCodecs } from './compression.js';

/**
 * The kafkajs client of a long-running process (the worker, the relay): the configured cluster
 * and connection, its logs routed into `logger` (component kafkajs), retries from 300 ms. Its
 * consumers read batches compressed with gzip, Snappy, LZ4 and ZSTD (compression.ts).
 */
export function kafkaClient(k: KafkaConfig, brokers: readonly string[], logger: Logger): Kafka {
  registerCompressionCodecs();
  return new Kafka({
    clientId: k.clientId,
    brokers: [...brokers],
    ...kafkaConnection(k),
    logLevel: kafkaLogLevel(logger.level),
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
    retry: { retries: 8, initialRetryTime: 300 },
  });
}

export function kafkaConnection(k: Pick<KafkaConfig, 'ssl' | 'sasl'>): Pick<KafkajsConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkajsConfig, 'ssl' | 'sasl'> = {};
  if (k.ssl === true) out.ssl = true;
  else if (k.ssl !== false) {
    out.ssl = {
      rejectUnauthorized: k.ssl.rejectUnauthorized,
      ...(k.ssl.ca === undefined ? {} : { ca: [readFileSync(k.ssl.ca, 'utf8')] }),
      ...(k.ssl.cert === undefined ? {} : { cert: readFileSync(k.ssl.cert, 'utf8') }),
      ...(k.ssl.key === undefined ? {} : { key: readFileSync(k.ssl.key, 'utf8') }),
    };
  }
  if (k.sasl !== null) out.sasl = { mechanism: k.sasl.mechanism, username: k.sasl.username, password: k.sasl.password } as SASLOptions;
  return out;
}

/**
 * How a producer whose output must never be dropped retries: without end, backing off to 10 s.
 * Offsets wait until the broker has every record, so a broker that stays away stalls the batch
 * (the group then moves the partitions on) instead of losing output.
 */
export const RETRY_WITHOUT_END = Object.freeze({ retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 });

/** The idempotent, never-dropping producer of a stage's output (the worker's alerts, ingest's records). */
export function deliveringProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { ...RETRY_WITHOUT_END } });
}
