/**
 * The validated configuration as the program sees it: camelCase, durations in ms, rules compiled
 * into the core's `Rule`. Deeply frozen. YAML keys are snake_case (`session_timeout_ms` →
 * `sessionTimeoutMs`, `idle_timeout: 1h` → `idleTimeoutMs: 3600000`); see README.md, "Configuration reference".
 */

import type { Rule } from '../core/rule.js';

import type { AlertFormat } from '../codec/alerts.js';
import type { IngestFormat } from '../ingest/format.js';
export type { AlertFormat };
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface KafkaTopics {
  readonly metrics: string;
  readonly alerts: string;
  readonly deadLetter: string;
  /** Compacted: each partition's latest checkpoint. The loader always sets it; absent (a Config built by hand) = `<metrics>.changelog`. */
  readonly changelog?: string;
}

/**
 * `at-least-once`: alerts are acknowledged, then the offsets committed; a crash in between re-sends
 * them (same ids). `exactly-once`: alerts and offsets in one Kafka transaction (read_committed
 * consumers see each alert once).
 */
export const DELIVERY_MODES = ['at-least-once', 'exactly-once'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

export interface KafkaConfig {
  /** `host:port` list; empty = no cluster configured, the local harness broker is started. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: KafkaTopics;
  /** Create missing topics at start-up; false = report them and exit. */
  readonly createTopics: boolean;
  /** Partitions and replication factor of topics that sigmawatch creates. */
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly sessionTimeoutMs: number;
  /** Always < sessionTimeoutMs. */
  readonly heartbeatIntervalMs: number;
  /** Start-up gives up when the brokers cannot be reached (topics checked, clients connected) within this. */
  readonly connectTimeoutMs: number;
  /** How alerts and input offsets are committed (see DELIVERY_MODES). */
  readonly delivery: DeliveryMode;
  /** TLS: off, on with the system's CAs, or with these PEM files (paths, read at connect time). */
  readonly ssl: boolean | KafkaTls;
  /** SASL authentication, or null for none. */
  readonly sasl: KafkaSasl | null;
}

export interface KafkaTls {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly rejectUnauthorized: boolean;
}

export interface KafkaSasl {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

export interface AlertsConfig {
  readonly format: AlertFormat;
  /** An alert that resolves within this long (sample time) of firing counts as a flap. */
  readonly flapWindowMs: number;
}

export interface StoreConfig {
  /** Per partition; beyond it new series are refused and counted. */
  readonly maxSeries: number;
  /** Series not seen for this long (sample time) are evicted. */
  readonly idleTimeoutMs: number;
  /** Slots allocated up front per partition store; slabs double from there. */
  readonly initialCapacity: number;
}

export interface HttpConfig {
  readonly host: string;
  /** 0 = no HTTP server. */
  readonly port: number;
}

export interface LogConfig {
  readonly level: LogLevel;
}

export interface ShutdownConfig {
  /** Time allowed to finish in-flight batches and commit before the process exits anyway. */
  readonly deadlineMs: number;
}

/** `sigmawatch relay`: alert events → Alertmanager API v2. */
export interface RelayConfig {
  /** Alertmanager base URLs; every alert goes to each. Empty: `relay` refuses to start. */
  readonly alertmanagers: readonly string[];
  /** The relay's own consumer group on the alerts topic. */
  readonly groupId: string;
  /** Firing alerts are re-sent this often, with endsAt = now + 4 × this. */
  readonly resendIntervalMs: number;
  /** Resolved alerts are re-sent for this long after they resolved. */
  readonly resolvedRetentionMs: number;
  /** A firing alert with no event for this long is dropped (Alertmanager then expires it); 0 = never. */
  readonly firingTimeoutMs: number;
  /** Alerts per POST, 1 to 256. */
  readonly batchSize: number;
  /** Alerts waiting per Alertmanager; beyond it the oldest are dropped (and counted). */
  readonly queueCapacity: number;
  /** Per request. */
  readonly timeoutMs: number;
  /** generatorURL = this + the URL-encoded series id; '' = none. */
  readonly generatorUrl: string;
  /** Port of the relay's /metrics /healthz /readyz (on http.host); 0 = none. */
  readonly httpPort: number;
}

/** Codecs `ingest` can write its output batches with. */
export const INGEST_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4'] as const;
export type IngestCompression = (typeof INGEST_COMPRESSIONS)[number];

/** One pipeline topic `ingest` reads, and how its record values are encoded. */
export interface IngestTopic {
  readonly topic: string;
  /** `auto`: each record's format is sniffed; one that matches none goes to the dead-letter topic. */
  readonly format: IngestFormat | 'auto';
}

/** `sigmawatch ingest`: unkeyed pipeline topics → records keyed by series on kafka.topics.metrics. */
export interface IngestConfig {
  /** The stage's own consumer group on its input topics. */
  readonly groupId: string;
  /** Topics read, each listed once. Empty: `ingest` refuses to start. */
  readonly topics: readonly IngestTopic[];
  /** Most points of one series packed into one output record. */
  readonly maxPointsPerRecord: number;
  /** Fetch linger: the broker answers after this long or once fetchMinBytes are ready. */
  readonly fetchMaxWaitMs: number;
  readonly fetchMinBytes: number;
  /** Bytes fetched per partition per request: bounds a batch (and its memory). */
  readonly maxBytesPerPartition: number;
  /** Codec of the record batches ingest produces (the workers read every codec; zstd is read, not written). */
  readonly compression: IngestCompression;
  /**
   * Labels whose values choose the metrics-topic partition of a series (all series of a group on
   * one partition, for SLO rules' group_by); empty = by the series id (the key), the default.
   */
  readonly partitionBy: readonly string[];
  /** Port of the stage's /metrics /healthz /readyz (on http.host); 0 = none. */
  readonly httpPort: number;
}

/** How often a partition's state is checkpointed: every so many records, or so much wall time. */
export type CheckpointInterval = { readonly records: number } | { readonly ms: number };

export interface CheckpointConfig {
  /** Write checkpoints and restore them on assignment; false = a moved partition learns from its data. */
  readonly enabled: boolean;
  /** After a commit, once this many records or this much time passed since the last checkpoint. */
  readonly interval: CheckpointInterval;
  /** Longest a partition's restore may take; then it learns from its data instead. */
  readonly restoreTimeoutMs: number;
}

/** What /healthz and /readyz hold the worker to. */
export interface HealthConfig {
  /** Liveness fails when assigned partitions with records waiting made no progress for this long. */
  readonly stallTimeoutMs: number;
  /** Readiness fails while publishing has been blocked for this long. */
  readonly publishTimeoutMs: number;
}

export interface Config {
  readonly kafka: KafkaConfig;
  readonly alerts: AlertsConfig;
  readonly store: StoreConfig;
  readonly http: HttpConfig;
  readonly health: HealthConfig;
  readonly log: LogConfig;
  readonly shutdown: ShutdownConfig;
  readonly checkpoint: CheckpointConfig;
  readonly relay: RelayConfig;
  readonly ingest: IngestConfig;
  /** At least one; names are unique. */
  readonly rules: readonly Rule[];
}
