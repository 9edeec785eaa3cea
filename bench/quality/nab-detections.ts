/**
 * Detections "as emitted": a detector that decides by itself (an alert fires or not) gives, per
 * file, the rows it flagged. NAB's scorer works on per-row anomaly scores and a threshold; the
 * reference scores a binary detector at threshold 1.0 with `score >= threshold`, and this module
 * is that rule (run_detector.py's `as_emitted`).
 */
import type { NabFile } from './nab-corpus.js';

/** Per row: a boolean, or an anomaly score (1 = detected, 0 = not). */
export type RowDetections = ArrayLike<boolean | number>;

/** The threshold of scoring as emitted; a row is a detection when its score is >= it (NaN never is). */
export const AS_EMITTED_THRESHOLD = 1.0;

/** Whether a row's entry is a detection at threshold 1 (`true` counts as 1). */
export function isDetection(entry: boolean | number): boolean {
  return Number(entry) >= AS_EMITTED_THRESHOLD;
}

export interface TimestampDetections {
  /** Per row: 1 where the row's timestamp is one of the detections, else 0. */
  readonly rows: Uint8Array;
  /** Detection timestamps that match no row (they cannot be scored; worth reporting). */
  readonly unmatched: readonly number[];
}

/**
 * Rows detected by a set of timestamps (Unix ms): every row with that timestamp — all of them
 * when a timestamp repeats — as run_detector.py maps a firing event's `ts` to rows.
 */
export function rowsDetectedAt(file: NabFile, timestampsMs: Iterable<number>): TimestampDetections {
  const rowsByMs = new Map<number, number[]>();
  file.timestamps.forEach((t, i) => {
    const list = rowsByMs.get(t);
    if (list === undefined) rowsByMs.set(t, [i]);
    else list.push(i);
  });
  const rows = new Uint8Array(file.timestamps.length);
  const unmatched: number[] = [];
  for (const ms of timestampsMs) {
    const hits = rowsByMs.get(ms);
    if (hits === undefined) unmatched.push(ms);
    else for (const i of hits) rows[i] = 1;
  }
  return { rows, unmatched };
}
