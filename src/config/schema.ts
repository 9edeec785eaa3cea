/**
 * The one schema of the configuration: the merged YAML (snake_case, every section present because
 * config/default.yaml is always the first layer) in, the typed `Config` out.
 */

import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { CheckpointInterval, Config } from './types.js';
import { bool, duration, int, labelName, mustBe, nonEmptyString, oneOf, sentence, strict } from './fields.js';
import { rulesSchema } from './rule-schema.js';
import { ALERT_FORMATS } from '../codec/alerts.js';
import { DELIVERY_MODES } from './types.js';
import { INGEST_FORMATS } from '../ingest/format.js';
import { INGEST_COMPRESSIONS } from './types.js';
import { isPlainObject } from './sources.js';
import { DURATION_HELP, parseDuration } from './duration.js';

const BROKER = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s,:[\]]+):\d{1,5}$/;
const BROKER_HELP = 'a host:port string such as localhost:9092';
const BROKERS_HELP = 'a list of host:port strings, or one comma-separated string';

/** Kafka's legal topic names (`Topic.java`: `[a-zA-Z0-9._-]`, at most 249 characters). */
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const TOPIC_HELP = 'a Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -)';
const topic = () => z.string({ error: TOPIC_HELP }).regex(TOPIC, { error: TOPIC_HELP });

/** `a:9092, b:9092` (env vars, `--set`) becomes a list; an empty string an empty list. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const PEM_HELP = 'a path to a PEM file';
const pemFile = () =>
  z
    .string({ error: PEM_HELP })
    .min(1, { error: PEM_HELP })
    .superRefine((path, ctx) => {
      if (!existsSync(path)) sentence(ctx, [], `${mustBe('a readable PEM file', path)}: no such file`);
    });

/** `false`, `true` (TLS with the system's CAs) or a map naming the PEM files. */
const ssl = z.union(
  [
    z.boolean(),
    strict(
      { ca: pemFile().optional(), cert: pemFile().optional(), key: pemFile().optional(), reject_unauthorized: bool().optional() },
      'a map with ca, cert, key (PEM file paths) and reject_unauthorized',
    ),
  ],
  { error: 'true, false, or a map with ca, cert, key (PEM file paths) and reject_unauthorized' },
);

const sasl = strict(
  {
    mechanism: oneOf(['none', 'plain', 'scram-sha-256', 'scram-sha-512']),
    username: z.string({ error: 'a string' }),
    password: z.string({ error: 'a string' }),
  },
  'a map with mechanism, username, password',
).superRefine((s, ctx) => {
  if (s.mechanism === 'none') return;
  // Never echo the password: say only that it is missing.
  if (s.username === '') sentence(ctx, ['username'], `must be set when sasl.mechanism is ${s.mechanism}`);
  if (s.password === '')
    sentence(ctx, ['password'], `must be set when sasl.mechanism is ${s.mechanism} (e.g. in SIGMAWATCH_KAFKA__SASL__PASSWORD)`);
});

const kafka = strict(
  {
    brokers: z.preprocess(
      (v) => (typeof v === 'string' ? splitList(v) : v),
      z.array(z.string({ error: BROKER_HELP }).regex(BROKER, { error: BROKER_HELP }), { error: BROKERS_HELP }),
    ),
    client_id: nonEmptyString(),
    group_id: nonEmptyString(),
    topics: strict(
      {
        metrics: topic(),
        alerts: topic(),
        dead_letter: topic(),
        changelog: z.union([z.literal(''), topic()], { error: `${TOPIC_HELP}, or '' for <metrics>.changelog` }),
      },
      'a map with metrics, alerts, dead_letter, changelog',
    ),
    create_topics: bool(),
    partitions: int(1),
    replication_factor: int(1),
    session_timeout_ms: int(1),
    heartbeat_interval_ms: int(1),
    connect_timeout: duration(false),
    delivery: oneOf(DELIVERY_MODES),
    ssl,
    sasl,
  },
  'a map (the kafka section)',
)
  .superRefine(
    (k, ctx) => {
      // The group coordinator expires a member that has not sent a heartbeat within the session
      // timeout; kafkajs refuses heartbeat ≥ session and recommends about a third.
      if (k.heartbeat_interval_ms >= k.session_timeout_ms) {
        const third = Math.max(1, Math.floor(k.session_timeout_ms / 3));
        sentence(
          ctx,
          ['heartbeat_interval_ms'],
          `${mustBe(`lower than kafka.session_timeout_ms (${k.session_timeout_ms})`, k.heartbeat_interval_ms)}; about a third of it is usual, e.g. ${third}`,
        );
      }
    },
    {
      when: (p) =>
        isPlainObject(p.value) && !p.issues.some((i) => i.path?.[0] === 'heartbeat_interval_ms' || i.path?.[0] === 'session_timeout_ms'),
    },
  )
  .transform((k) => ({
    brokers: k.brokers,
    clientId: k.client_id,
    groupId: k.group_id,
    topics: {
      metrics: k.topics.metrics,
      alerts: k.topics.alerts,
      deadLetter: k.topics.dead_letter,
      changelog: k.topics.changelog === '' ? `${k.topics.metrics}.changelog` : k.topics.changelog,
    },
    createTopics: k.create_topics,
    partitions: k.partitions,
    replicationFactor: k.replication_factor,
    sessionTimeoutMs: k.session_timeout_ms,
    heartbeatIntervalMs: k.heartbeat_interval_ms,
    connectTimeoutMs: k.connect_timeout,
    delivery: k.delivery,
    ssl:
      typeof k.ssl === 'boolean'
        ? k.ssl
        : {
            ...(k.ssl.ca === undefined ? {} : { ca: k.ssl.ca }),
            ...(k.ssl.cert === undefined ? {} : { cert: k.ssl.cert }),
            ...(k.ssl.key === undefined ? {} : { key: k.ssl.key }),
            rejectUnauthorized: k.ssl.reject_unauthorized ?? true,
          },
    sasl: k.sasl.mechanism === 'none' ? null : { mechanism: k.sasl.mechanism, username: k.sasl.username, password: k.sasl.password },
  }));

const alerts = strict({ format: oneOf(ALERT_FORMATS), flap_window: duration(false) }, 'a map (the alerts section)').transform((a) => ({
  format: a.format,
  flapWindowMs: a.flap_window,
}));

const store = strict(
  { max_series: int(1, 16_777_214), idle_timeout: duration(false), initial_capacity: int(1) },
  'a map (the store section)',
).transform((s) => ({ maxSeries: s.max_series, idleTimeoutMs: s.idle_timeout, initialCapacity: s.initial_capacity }));

const http = strict({ host: nonEmptyString('a host name or IP address'), port: int(0, 65535) }, 'a map (the http section)');

const log = strict({ level: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) }, 'a map (the log section)');

/** What /healthz and /readyz hold the worker to (see src/kafka/health.ts). */
const health = strict({ stall_timeout: duration(false), publish_timeout: duration(false) }, 'a map (the health section)').transform(
  (h) => ({ stallTimeoutMs: h.stall_timeout, publishTimeoutMs: h.publish_timeout }),
);

const shutdown = strict({ deadline: duration(false) }, 'a map (the shutdown section)').transform((s) => ({
  deadlineMs: s.deadline,
}));

const URL_HELP = 'an http(s) URL such as http://alertmanager:9093';

/** An http(s) URL. Credentials are refused: the URL shows up in logs and metric labels. */
const httpUrl = (allowEmpty: boolean) =>
  z.string({ error: URL_HELP }).superRefine((text, ctx) => {
    if (allowEmpty && text === '') return;
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) sentence(ctx, [], mustBe(URL_HELP, text));
    else if (url.username !== '' || url.password !== '')
      sentence(ctx, [], 'must not carry credentials (user:password@): they would be logged');
  });

/** `sigmawatch relay`: alert events to Alertmanager (API v2), Prometheus's sending contract. */
const relay = strict(
  {
    alertmanagers: z.preprocess(
      (v) => (typeof v === 'string' ? splitList(v) : v),
      z.array(httpUrl(false), { error: 'a list of Alertmanager URLs, or one comma-separated string' }),
    ),
    group_id: nonEmptyString(),
    resend_interval: duration(false),
    resolved_retention: duration(false),
    firing_timeout: duration(true),
    batch_size: int(1, 256),
    queue_capacity: int(1),
    timeout: duration(false),
    generator_url: httpUrl(true),
    http_port: int(0, 65535),
  },
  'a map (the relay section)',
).transform((r) => ({
  alertmanagers: r.alertmanagers,
  groupId: r.group_id,
  resendIntervalMs: r.resend_interval,
  resolvedRetentionMs: r.resolved_retention,
  firingTimeoutMs: r.firing_timeout,
  batchSize: r.batch_size,
  queueCapacity: r.queue_capacity,
  timeoutMs: r.timeout,
  generatorUrl: r.generator_url,
  httpPort: r.http_port,
}));

/** `ingest.topics[i].format`: a pipeline format, or `auto` (sniffed per record). */
const INGEST_FORMAT_HELP = `one of ${[...INGEST_FORMATS, 'auto'].join(', ')}`;

/** `sigmawatch ingest`: unkeyed pipeline topics → keyed records on kafka.topics.metrics. */
const ingest = strict(
  {
    group_id: nonEmptyString(),
    topics: z
      .array(
        strict(
          {
            topic: topic(),
            format: z.enum([...INGEST_FORMATS, 'auto'], { error: INGEST_FORMAT_HELP }),
          },
          `a map {topic: <name>, format: <${[...INGEST_FORMATS, 'auto'].join(' | ')}>}`,
        ),
        { error: 'a list of {topic, format} maps' },
      )
      .superRefine((topics, ctx) => {
        topics.forEach((t, i) => {
          const first = topics.findIndex((u) => u.topic === t.topic);
          if (first !== i)
            sentence(ctx, [i, 'topic'], `names ${JSON.stringify(t.topic)} again (ingest.topics[${first}]); list a topic once`);
        });
      }),
    max_points_per_record: int(1, 10_000),
    fetch_max_wait: duration(false),
    fetch_min_bytes: int(1),
    max_bytes_per_partition: int(1024),
    compression: oneOf(INGEST_COMPRESSIONS),
    partition_by: z.array(labelName(), { error: 'a list of label names ([] = partition by the series id)' }),
    http_port: int(0, 65535),
  },
  'a map (the ingest section)',
).transform((i) => ({
  groupId: i.group_id,
  topics: i.topics.map((t) => ({ topic: t.topic, format: t.format })),
  maxPointsPerRecord: i.max_points_per_record,
  fetchMaxWaitMs: i.fetch_max_wait,
  fetchMinBytes: i.fetch_min_bytes,
  maxBytesPerPartition: i.max_bytes_per_partition,
  compression: i.compression,
  partitionBy: i.partition_by,
  httpPort: i.http_port,
}));

const CHECKPOINT_INTERVAL_HELP = `a number of records (an integer ≥ 1) or ${DURATION_HELP}`;

/** `checkpoint.interval`: 50000 → {records: 50000}; '60s' → {ms: 60000}. */
const checkpointInterval = () =>
  z.union([z.string(), z.number()], { error: CHECKPOINT_INTERVAL_HELP }).transform((value, ctx): CheckpointInterval => {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return { records: value };
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms !== undefined && ms > 0) return { ms };
    ctx.issues.push({ code: 'custom', message: CHECKPOINT_INTERVAL_HELP, input: value });
    return z.NEVER;
  });

/** Checkpoints of each partition's state on kafka.topics.changelog, restored on assignment. */
const checkpoint = strict(
  { enabled: bool(), interval: checkpointInterval(), restore_timeout: duration(false) },
  'a map (the checkpoint section)',
).transform((c) => ({ enabled: c.enabled, interval: c.interval, restoreTimeoutMs: c.restore_timeout }));

export const configSchema = strict(
  { kafka, alerts, store, http, health, log, shutdown, relay, checkpoint, ingest, rules: rulesSchema },
  'a map of sections (kafka, alerts, store, http, health, log, shutdown, relay, checkpoint, ingest, rules)',
);

/** The schema's output is exactly the public `Config` (checked here, at compile time). */
export type ConfigOutput = z.output<typeof configSchema>;
const _outputIsConfig = (c: ConfigOutput): Config => c;
void _outputIsConfig;
