/**
 * Cumulative counter → rate per second, one series at a time (OTLP cumulative sums, Vector absolute
 * counters, the count and sum of cumulative histograms and summaries). The state is the previous point,
 * kept by the caller in its per-series entry (no allocation per sample).
 *
 * Like Prometheus's `rate()` between two adjacent samples: (v − v_prev) / (t − t_prev) in seconds; a
 * value below the previous one, or a new start time, is a counter reset: the counter started again
 * from zero, so the increase is v itself, over (t − start) when the start time lies inside the interval
 * (OTLP says when it restarted) and over the whole interval otherwise.
 */
import type { SkipCounts } from './skips.js';

export interface CounterState {
  /** Time of the previous point, Unix ms; 0 = none yet. */
  prevMs: number;
  prevValue: number;
  /** Start time of the previous point, Unix ms; 0 = not known. */
  prevStartMs: number;
}

export function newCounterState(): CounterState {
  return { prevMs: 0, prevValue: 0, prevStartMs: 0 };
}

/**
 * The rate per second from the previous point to (ms, value), or NaN when there is none (first
 * point, or not newer than the previous: counted in `skipped`). Updates the state.
 */
export function counterRate(state: CounterState, ms: number, value: number, startMs: number, skipped: SkipCounts): number {
  const prevMs = state.prevMs;
  if (prevMs === 0) {
    state.prevMs = ms;
    state.prevValue = value;
    state.prevStartMs = startMs;
    skipped.first_point++;
    return NaN;
  }
  if (ms <= prevMs) {
    skipped.out_of_order++;
    return NaN;
  }
  const reset = value < state.prevValue || (startMs !== 0 && state.prevStartMs !== 0 && startMs !== state.prevStartMs);
  let rate: number;
  if (!reset) rate = ((value - state.prevValue) * 1000) / (ms - prevMs);
  else if (startMs > prevMs && startMs < ms) rate = (value * 1000) / (ms - startMs);
  else rate = (value * 1000) / (ms - prevMs);
  state.prevMs = ms;
  state.prevValue = value;
  state.prevStartMs = startMs;
  return rate;
}
