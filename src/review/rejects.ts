/**
 * Input that is not an alert event: counted by reason with the first place each reason was seen,
 * never dropped silently. Reasons are the alert decoder's (`codec/errors.ts`) plus `bad_timestamp`
 * for an event whose `ts` or `startsAt` is not a finite number.
 */
import type { DecodeReason } from '../codec/errors.js';

export type ReviewRejectReason = DecodeReason;

export interface RejectCount {
  count: number;
  /** `file:line` or `topic/partition@offset` of the first. */
  first: string;
}

/** Rejected inputs reported one by one before the rest are only counted. */
export const REPORTED_REJECTS = 20;

export class Rejects {
  readonly byReason = new Map<ReviewRejectReason, RejectCount>();
  total = 0;

  /** Counts one; returns how many there are now (the caller reports the first few). */
  add(reason: ReviewRejectReason, where: string): number {
    const r = this.byReason.get(reason);
    if (r === undefined) this.byReason.set(reason, { count: 1, first: where });
    else r.count++;
    return ++this.total;
  }
}
