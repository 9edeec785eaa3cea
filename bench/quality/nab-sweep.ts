/**
 * The profile-independent part of NAB's scoring of one file: which rows are ignored (the
 * probationary period), which window each row belongs to, and each row's unweighted "sweep score"
 * (NAB's nab/sweeper.py, Sweeper.calcSweepScore; nabscore.DataFile._sweep). A profile later only
 * multiplies these numbers by its weights, so they are computed once per file.
 */

/** NAB ignores the first 15 % of a file … */
export const PROBATION_PERCENT = 0.15;
/** … but never more than 15 % of 5000 rows (750): long files get the same warm-up as short ones. */
const PROBATION_CAP_ROWS = 5000;

/**
 * Rows with an index below this are ignored: min(floor(0.15 · rows), 0.15 · 5000). Kept as NAB
 * computes it (the cap is the float 750), and compared as `index >= probation`.
 */
export function probationLength(rows: number, percent = PROBATION_PERCENT): number {
  return Math.min(Math.floor(percent * rows), percent * PROBATION_CAP_ROWS);
}

/**
 * NAB's scaledSigmoid: 2·σ(−5·pos) − 1, i.e. ≈ +0.987 at pos = −1 (a window's first row), 0 at
 * pos = 0 (just past its last row), ≈ −0.987 at pos = 1 and exactly −1 beyond pos = 3 (NAB's
 * cut-off: `pos > 3`, so pos = 3 itself still goes through the sigmoid).
 */
export function scaledSigmoid(pos: number): number {
  if (pos > 3.0) return -1.0;
  return 2.0 * (1.0 / (1.0 + Math.exp(5.0 * pos))) - 1.0;
}

/** The reward of a window's first row before weighting; in-window scores are divided by it so that row earns tpWeight. */
export const MAX_TP = scaledSigmoid(-1.0);

/** A labelled window: the timestamps (Unix ms) of its first and last row, both rows of the file. */
export interface NabWindow {
  readonly startMs: number;
  readonly endMs: number;
}

export interface RowSweep {
  /** Per row: the index of its window in the file's window list, −1 outside every window. */
  readonly rowWindow: Int32Array;
  /** Per row: the unweighted sweep score (in a window: reward by position; outside: cost by distance). */
  readonly rowUnweighted: Float64Array;
}

/** Row index of the first occurrence of each timestamp (NAB data can repeat a timestamp). */
function firstIndexByTimestamp(timestamps: ArrayLike<number>): Map<number, number> {
  const first = new Map<number, number>();
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i] as number;
    if (!first.has(t)) first.set(t, i);
  }
  return first;
}

/**
 * Walks the rows once, as NAB does: a window opens at the first row whose timestamp equals the
 * next pending window's start (windows are taken in the order listed, so one listed out of order
 * never opens) and closes at the first row whose timestamp equals its end. Inside, a row's
 * position runs from −1 (first row) to −1/width (last row). Outside, a row is scored by its
 * distance after the last closed window, in units of that window's width − 1, or −1 before any
 * window. `rel` only names the file in errors.
 */
export function sweepRows(rel: string, timestamps: ArrayLike<number>, windows: readonly NabWindow[]): RowSweep {
  const n = timestamps.length;
  const first = firstIndexByTimestamp(timestamps);
  const indexOf = (t: number): number => first.get(t) as number;
  for (const w of windows) {
    if (!first.has(w.startMs) || !first.has(w.endMs)) {
      throw new Error(
        `${rel}: window ${new Date(w.startMs).toISOString()}..${new Date(w.endMs).toISOString()} edge is not a timestamp of the file`,
      );
    }
  }
  const rowWindow = new Int32Array(n).fill(-1);
  const rowUnweighted = new Float64Array(n);
  let pending = 0;
  let cur = -1;
  let curRight = 0;
  let curWidth = 0;
  let prevRight = -1; // −1: no window has closed yet
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    const t = timestamps[i] as number;
    const next = windows[pending];
    if (next !== undefined && t === next.startMs) {
      cur = pending++;
      curRight = indexOf(next.endMs);
      curWidth = curRight - indexOf(next.startMs) + 1;
    }
    if (cur >= 0) {
      rowUnweighted[i] = scaledSigmoid(-(curRight - i + 1) / curWidth);
      rowWindow[i] = cur;
    } else if (prevRight < 0) {
      rowUnweighted[i] = -1.0;
    } else {
      // Python raises ZeroDivisionError here after a one-row window; JS would silently give −1.
      if (prevWidth === 1) throw new Error(`${rel}: a one-row window has no width to scale the distance after it (NAB divides by zero)`);
      rowUnweighted[i] = scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1));
    }
    if (cur >= 0 && t === (windows[cur] as NabWindow).endMs) {
      prevRight = i;
      prevWidth = curWidth;
      cur = -1;
    }
  }
  return { rowWindow, rowUnweighted };
}
