/**
 * The inverse of the schema's transforms: a `Config` back to what a configuration file says
 * (snake_case keys, durations as duration strings, rules as rules are written). `sigmawatch config`
 * prints this, so its output is itself a configuration that `--config` accepts and that loads to the
 * same `Config` (a test holds the two to it).
 */
import type { Hold, LabelMatcher, Rule } from '../core/rule.js';
import { formatDuration } from './duration.js';
import type { Config, RelayConfig } from './types.js';

export function configToInput(c: Config): Record<string, unknown> {
  const k = c.kafka;
  return {
    kafka: {
      brokers: [...k.brokers],
      client_id: k.clientId,
      group_id: k.groupId,
      topics: {
        metrics: k.topics.metrics,
        alerts: k.topics.alerts,
        dead_letter: k.topics.deadLetter,
        changelog: k.topics.changelog ?? `${k.topics.metrics}.changelog`,
      },
      create_topics: k.createTopics,
      partitions: k.partitions,
      replication_factor: k.replicationFactor,
      session_timeout_ms: k.sessionTimeoutMs,
      heartbeat_interval_ms: k.heartbeatIntervalMs,
      connect_timeout: formatDuration(k.connectTimeoutMs),
      delivery: k.delivery,
      ssl: typeof k.ssl === 'boolean' ? k.ssl : { ...k.ssl, reject_unauthorized: k.ssl.rejectUnauthorized, rejectUnauthorized: undefined },
      sasl: k.sasl === null ? { mechanism: 'none' } : { ...k.sasl },
    },
    alerts: { format: c.alerts.format, flap_window: formatDuration(c.alerts.flapWindowMs) },
    store: {
      max_series: c.store.maxSeries,
      idle_timeout: formatDuration(c.store.idleTimeoutMs),
      initial_capacity: c.store.initialCapacity,
    },
    http: { ...c.http },
    health: { stall_timeout: formatDuration(c.health.stallTimeoutMs), publish_timeout: formatDuration(c.health.publishTimeoutMs) },
    log: { ...c.log },
    shutdown: { deadline: formatDuration(c.shutdown.deadlineMs) },
    relay: relayToInput(c.relay),
    checkpoint: {
      enabled: c.checkpoint.enabled,
      interval: 'records' in c.checkpoint.interval ? c.checkpoint.interval.records : formatDuration(c.checkpoint.interval.ms),
      restore_timeout: formatDuration(c.checkpoint.restoreTimeoutMs),
    },
    ingest: {
      group_id: c.ingest.groupId,
      topics: c.ingest.topics.map((t) => ({ topic: t.topic, format: t.format })),
      max_points_per_record: c.ingest.maxPointsPerRecord,
      fetch_max_wait: formatDuration(c.ingest.fetchMaxWaitMs),
      fetch_min_bytes: c.ingest.fetchMinBytes,
      max_bytes_per_partition: c.ingest.maxBytesPerPartition,
      compression: c.ingest.compression,
      partition_by: [...c.ingest.partitionBy],
      http_port: c.ingest.httpPort,
    },
    rules: c.rules.map(ruleToInput),
  };
}

function relayToInput(r: RelayConfig): Record<string, unknown> {
  return {
    alertmanagers: [...r.alertmanagers],
    group_id: r.groupId,
    resend_interval: formatDuration(r.resendIntervalMs),
    resolved_retention: formatDuration(r.resolvedRetentionMs),
    firing_timeout: r.firingTimeoutMs === 0 ? 0 : formatDuration(r.firingTimeoutMs),
    batch_size: r.batchSize,
    queue_capacity: r.queueCapacity,
    timeout: formatDuration(r.timeoutMs),
    generator_url: r.generatorUrl,
    http_port: r.httpPort,
  };
}

function ruleToInput(r: Rule): Record<string, unknown> {
  if (r.slo !== undefined) return sloRuleToInput(r);
  return {
    name: r.name,
    match: r.matchers.length === 0 ? {} : { selector: selectorOf(r.matchers) },
    memory: r.memory,
    window: r.window,
    short_window: r.shortWindow,
    min_samples: r.minSamples,
    severities: r.tiers.map((t) => ({ ...t })),
    direction: r.direction,
    std_floor: { ...r.stdFloor },
    multi_window: r.multiWindow,
    baseline: r.baseline,
    likelihood:
      r.likelihood === null
        ? false
        : {
            window: r.likelihood.window,
            probability: r.likelihood.probability,
            memory: r.likelihood.memory,
            min_samples: r.likelihood.minSamples,
          },
    seasonality: r.seasonality === null ? false : { ...r.seasonality },
    for: holdToInput(r.for),
    keep_firing_for: holdToInput(r.keepFiringFor),
    rearm: r.rearm,
    repeat: r.repeatMs === 0 ? 0 : formatDuration(r.repeatMs),
    ...escalateToInput(r),
    labels: { ...r.labels },
    annotations: { ...r.annotations },
  };
}

/** A `kind: slo` rule as written (config/slo-rule-schema.ts). */
function sloRuleToInput(r: Rule): Record<string, unknown> {
  const s = r.slo!;
  return {
    name: r.name,
    kind: 'slo',
    objective: s.objective,
    ...(s.errors !== null ? { errors: selectorOf(s.errors) } : { good: selectorOf(s.good!) }),
    total: selectorOf(s.total),
    ...(s.groupBy === null ? {} : { group_by: [...s.groupBy] }),
    step: formatDuration(s.stepMs),
    windows: s.windows.map((w) => ({
      long: formatDuration(w.longMs),
      short: formatDuration(w.shortMs),
      burn: w.burn,
      severity: w.severity,
    })),
    for: holdToInput(r.for),
    keep_firing_for: holdToInput(r.keepFiringFor),
    repeat: r.repeatMs === 0 ? 0 : formatDuration(r.repeatMs),
    ...escalateToInput(r),
    labels: { ...r.labels },
    annotations: { ...r.annotations },
  };
}

function escalateToInput(r: Rule): Record<string, unknown> {
  return r.escalate === undefined ? {} : { escalate: r.escalate.map((e) => ({ after: formatDuration(e.afterMs), severity: e.severity })) };
}

function holdToInput(h: Hold): number | string {
  return 'samples' in h ? h.samples : formatDuration(h.ms);
}

/** `{__name__="up",env=~"prod|stage"}`: every matcher, values escaped as the selector parser reads them. */
function selectorOf(matchers: readonly LabelMatcher[]): string {
  const escape = (v: string) => v.replace(/[\\"\n]/g, (ch) => (ch === '\n' ? '\\n' : `\\${ch}`));
  return `{${matchers.map((m) => `${m.label}${m.op}"${escape(m.value)}"`).join(',')}}`;
}
