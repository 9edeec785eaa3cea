/**
 * What the worker's probes say, decided from what it does rather than from what it once saw:
 *
 * - Liveness (`/healthz`) fails only when the process is stuck, the one case a restart may mend:
 *   a batch held for longer than `stallTimeoutMs`, or partitions with records waiting and no batch
 *   finished for that long. A consumer that crashed and restarted itself, a broker that was away
 *   for a while, an idle topic: none of these fail it, and it passes again as soon as a batch goes
 *   through. (A consumer that crashed for good ends the process; no probe needed.)
 * - Readiness (`/readyz`) is "in the group and able to publish": joined (a member with no
 *   partition, a spare replica, is ready, so it never stalls a rollout), not stopping, and no
 *   publish blocked for longer than `publishTimeoutMs` (alerts topic or broker unavailable).
 *
 * Plain bookkeeping fed by the worker; the clock is injected so the rules are tested without Kafka.
 */
import type { ProbeResult } from '../observe/http.js';

/** A partition as the caller names it: a number (one input topic) or `topic:partition` (several). */
export type PartitionRef = number | string;

export interface WorkerHealthOptions {
  readonly stallTimeoutMs: number;
  readonly publishTimeoutMs: number;
  /** Wall clock, ms. */
  readonly now: () => number;
}

export class WorkerHealth {
  private inGroup = false;
  private assigned = 0;
  private stopping = false;
  /** When the batch in hand started, or null. */
  private batchSince: number | null = null;
  /** When the publish in flight started, or null. */
  private publishSince: number | null = null;
  /** When the last batch finished (or the worker joined: the clock of "no progress" starts there). */
  private lastProgress: number;
  /** Records waiting after the last batch of each partition (highWatermark − next offset). */
  private readonly lag = new Map<PartitionRef, number>();

  constructor(private readonly options: WorkerHealthOptions) {
    this.lastProgress = options.now();
  }

  /** A group join with these partitions. */
  joined(partitions: readonly PartitionRef[]): void {
    this.inGroup = true;
    this.assigned = partitions.length;
    this.lastProgress = Math.max(this.lastProgress, this.options.now());
    for (const p of this.lag.keys()) if (!partitions.includes(p)) this.lag.delete(p);
  }

  /** Out of the group until the next join (the consumer crashed and restarts, or it stopped). */
  left(): void {
    this.inGroup = false;
  }

  stop(): void {
    this.stopping = true;
    this.inGroup = false;
  }

  batchStarted(): void {
    this.batchSince = this.options.now();
  }

  /** A batch of `partition` went through (or was given up to a rebalance); `lag` records remain after it, when known. */
  batchFinished(partition: PartitionRef, lag?: number): void {
    this.batchSince = null;
    this.lastProgress = this.options.now();
    if (lag !== undefined) this.lag.set(partition, lag);
  }

  publishStarted(): void {
    this.publishSince = this.options.now();
  }

  publishFinished(): void {
    this.publishSince = null;
  }

  liveness(): ProbeResult {
    const now = this.options.now();
    const { stallTimeoutMs } = this.options;
    if (this.batchSince !== null && now - this.batchSince > stallTimeoutMs)
      return { ok: false, detail: { stalled: 'batch', sinceMs: now - this.batchSince, stallTimeoutMs } };
    const waiting = this.recordsWaiting();
    if (this.assigned > 0 && waiting > 0 && now - this.lastProgress > stallTimeoutMs)
      return { ok: false, detail: { stalled: 'no batch', recordsWaiting: waiting, sinceMs: now - this.lastProgress, stallTimeoutMs } };
    return { ok: true, detail: { sinceProgressMs: now - this.lastProgress } };
  }

  readiness(): ProbeResult {
    const now = this.options.now();
    const publishBlockedMs = this.publishSince === null ? 0 : now - this.publishSince;
    const blocked = publishBlockedMs > this.options.publishTimeoutMs;
    return {
      ok: this.inGroup && !this.stopping && !blocked,
      detail: {
        joined: this.inGroup,
        assignedPartitions: this.assigned,
        stopping: this.stopping,
        ...(blocked ? { publishBlockedMs } : {}),
      },
    };
  }

  get assignedPartitions(): number {
    return this.assigned;
  }

  private recordsWaiting(): number {
    let n = 0;
    for (const lag of this.lag.values()) n += lag;
    return n;
  }
}
