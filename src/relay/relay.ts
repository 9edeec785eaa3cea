/**
 * The relay without Kafka: records of the alerts topic in (per assigned partition, in offset
 * order), Alertmanager's view out, the way Prometheus keeps it:
 * - a partition's history is folded in silently, then its state is sent once (track.ts);
 * - after that, every event that changes an alert is sent at once;
 * - every `resend_interval`, every firing alert is sent again (endsAt = now + 4 × interval) and
 *   every resolved one still within `resolved_retention`;
 * - each configured Alertmanager gets every alert, through its own queue (target.ts).
 * The consumer (consumer.ts) feeds it; tests can too.
 */
import type { Logger } from 'pino';
import type { RelayConfig } from '../config/index.js';
import type { AmAlert } from './am-alert.js';
import { readEvent } from './events.js';
import type { RelayMetrics } from './metrics.js';
import { Target } from './target.js';
import { PartitionTrack, type PartitionOffsets } from './track.js';

/** One record of the alerts topic, as the relay needs it. */
export interface RelayRecord {
  readonly offset: bigint;
  /** The record's timestamp (Unix ms): when the event was published. */
  readonly timestamp: number;
  readonly value: Buffer | null;
}

export interface RelayOptions {
  readonly relay: RelayConfig;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** Prometheus's rule: an alert not re-sent within 4 intervals has ended. */
const ENDS_AFTER_INTERVALS = 4;
/** Bad records logged per this many (the first ones of each run of them). */
const BAD_LOG_EVERY = 1000;

export class Relay {
  readonly targets: readonly Target[];
  private tracks = new Map<number, PartitionTrack>();
  private assigned = false;
  private ticker: NodeJS.Timeout | undefined;
  private badRecords = 0;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: RelayOptions) {
    const r = options.relay;
    this.now = options.now ?? Date.now;
    this.log = options.logger;
    this.targets = r.alertmanagers.map(
      (url) =>
        new Target({
          url,
          batchSize: r.batchSize,
          queueCapacity: r.queueCapacity,
          timeoutMs: r.timeoutMs,
          firingForMs: ENDS_AFTER_INTERVALS * r.resendIntervalMs,
          maxBackoffMs: Math.min(30_000, Math.max(1_000, r.resendIntervalMs)),
          metrics: options.metrics,
          logger: options.logger,
          now: this.now,
        }),
    );
  }

  /** Starts the senders and the resend ticker. */
  start(): void {
    for (const t of this.targets) t.start();
    this.ticker ??= setInterval(() => this.resendAll(), this.options.relay.resendIntervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.ticker);
    await Promise.all(this.targets.map((t) => t.stop()));
  }

  /** A new assignment (start, rebalance): every partition's state starts empty and is rebuilt. */
  assign(offsets: readonly PartitionOffsets[]): void {
    const { relay } = this.options;
    const stateOptions = {
      generatorUrl: relay.generatorUrl,
      resolvedRetentionMs: relay.resolvedRetentionMs,
      firingTimeoutMs: relay.firingTimeoutMs,
    };
    this.tracks = new Map(offsets.map((o) => [o.partition, new PartitionTrack(o, stateOptions)]));
    this.assigned = true;
    this.updateGauges();
    this.log.info(
      { partitions: offsets.map((o) => ({ partition: o.partition, from: String(o.low), to: String(o.high) })) },
      'assigned partitions: rebuilding their alerts',
    );
  }

  /**
   * Folds a batch of one partition in. Returns an offset to seek to first (the batch is then not
   * folded), when the consumer did not start the partition from its beginning.
   */
  fold(partition: number, records: readonly RelayRecord[]): bigint | undefined {
    const track = this.tracks.get(partition);
    if (track === undefined || records.length === 0) return undefined;
    const rewind = track.rewindTo(records[0]!.offset);
    if (rewind !== undefined) {
      this.log.info(
        { partition, from: String(records[0]!.offset), to: String(rewind) },
        'rewinding the partition to rebuild its alerts from the beginning',
      );
      return rewind;
    }
    track.started = true;
    const live: AmAlert[] = [];
    for (const record of records) {
      const wasLive = track.caughtUp;
      const changed = this.foldOne(track, partition, record);
      if (wasLive) live.push(...changed);
      else if (record.offset + 1n >= track.boundary) this.catchUp(track, partition);
    }
    this.send(live);
    this.updateGauges();
    return undefined;
  }

  /** Re-sends every caught-up partition's state (the ticker calls this every resend interval). */
  resendAll(): void {
    const now = this.now();
    const all: AmAlert[] = [];
    for (const track of this.tracks.values()) {
      if (!track.caughtUp) continue;
      this.expire(track, now);
      for (const a of track.state.snapshot()) all.push(a);
    }
    this.send(all);
    this.updateGauges();
  }

  /** Ready once assigned and every assigned partition is rebuilt. */
  ready(): { ok: boolean; detail: object } {
    const rebuilding = [...this.tracks.values()].filter((t) => !t.caughtUp).map((t) => t.offsets.partition);
    return { ok: this.assigned && rebuilding.length === 0, detail: { assigned: this.assigned, partitions: this.tracks.size, rebuilding } };
  }

  /** Firing and resolved alerts held, over all partitions. */
  held(): { firing: number; resolved: number } {
    let firing = 0;
    let resolved = 0;
    for (const t of this.tracks.values()) {
      firing += t.state.firingCount;
      resolved += t.state.resolvedCount;
    }
    return { firing, resolved };
  }

  private foldOne(track: PartitionTrack, partition: number, record: RelayRecord): AmAlert[] {
    try {
      const event = readEvent(record.value);
      this.options.metrics.events.labels(event.status).inc();
      track.events++;
      return track.state.apply(event, record.timestamp);
    } catch (e) {
      this.options.metrics.badEvents.inc();
      if (this.badRecords++ % BAD_LOG_EVERY === 0)
        this.log.warn(
          { partition, offset: String(record.offset), err: (e as Error).message, badRecords: this.badRecords },
          'skipped a record that is not an alert event',
        );
      return [];
    }
  }

  /** The partition's history is folded in: send its state once; later events go out as they come. */
  private catchUp(track: PartitionTrack, partition: number): void {
    track.caughtUp = true;
    this.expire(track, this.now());
    const alerts = track.state.snapshot();
    this.send(alerts);
    const ms = Math.round(performance.now() - track.assignedAt);
    this.log.info(
      { partition, events: track.events, firing: track.state.firingCount, resolved: track.state.resolvedCount, ms },
      'partition rebuilt; its alerts sent',
    );
  }

  /** Lets go of resolved alerts past retention and (with relay.firing_timeout) silent firing ones. */
  private expire(track: PartitionTrack, now: number): void {
    const timedOut = track.state.expire(now);
    if (timedOut === 0) return;
    this.options.metrics.firingTimeouts.inc(timedOut);
    this.log.warn(
      { partition: track.offsets.partition, alerts: timedOut, firingTimeoutMs: this.options.relay.firingTimeoutMs },
      'dropped firing alerts with no event within relay.firing_timeout',
    );
  }

  private send(alerts: readonly AmAlert[]): void {
    if (alerts.length === 0) return;
    for (const t of this.targets) t.enqueue(alerts);
  }

  private updateGauges(): void {
    const { firing, resolved } = this.held();
    this.options.metrics.firing.set(firing);
    this.options.metrics.resolved.set(resolved);
  }
}
