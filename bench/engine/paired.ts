/**
 * Paired timing of a baseline and a candidate measured in the same run: both are warmed up, then
 * timed in rounds of one repetition each, the order alternating from round to round, so a change
 * in the machine's load (it is shared, 2 cores) falls on both alike. The figure to compare is a
 * ratio, baseline ns per unit ÷ candidate ns per unit: absolute times vary from machine to
 * machine and minute to minute, ratios much less. Used by bench/engine and bench/guard.ts.
 */
import { nowNs, stats } from '../core/measure.js';

/** Something to time: one call does one pass over its input and returns a value for the sink. */
export interface Timed {
  readonly name: string;
  /** Units (samples or records) one pass handles: the timings are ns per unit. */
  readonly unitsPerPass: number;
  pass(): number;
}

export interface PairPlan {
  /** Timed rounds (one repetition of each side per round). */
  readonly rounds: number;
  /** Each repetition runs whole passes for about this long. */
  readonly repMs: number;
  /** Warm-up: at least this many passes of each side… */
  readonly warmupPasses: number;
  /** …and at least this long. */
  readonly warmupMs: number;
}

/** ns per unit over the repetitions of one side. */
export interface Timing {
  readonly name: string;
  readonly min: number;
  readonly median: number;
  readonly mean: number;
  readonly std: number;
  readonly runs: readonly number[];
  /** Passes per timed repetition. */
  readonly passes: number;
  readonly unitsPerRep: number;
}

export interface PairResult {
  readonly baseline: Timing;
  readonly candidate: Timing;
  /** Per round: baseline ÷ candidate, from two repetitions run back to back. */
  readonly roundRatios: readonly number[];
  /** Median of the per-round ratios: the figure the guard checks (robust to a busy stretch). */
  readonly ratio: number;
  readonly ratioOfMins: number;
  readonly ratioOfMedians: number;
}

let sink = 0;

/** The sink every pass feeds (print it, so no pass can be dropped as dead code). */
export function pairedSink(): number {
  return sink;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Warms one side up; returns the passes per repetition that make a repetition about repMs long. */
function warmUp(t: Timed, plan: PairPlan): number {
  const durations: number[] = [];
  let ns = 0;
  while (durations.length < plan.warmupPasses || ns < plan.warmupMs * 1e6) {
    const t0 = nowNs();
    sink += t.pass();
    const dt = nowNs() - t0;
    durations.push(dt);
    ns += dt;
  }
  // The last quarter of the warm-up (optimised code by then) sets the repetition length.
  const tail = durations.slice(-Math.max(1, durations.length >> 2));
  const perPass = tail.reduce((a, b) => a + b, 0) / tail.length;
  return Math.max(1, Math.round((plan.repMs * 1e6) / perPass));
}

/** One timed repetition: ns per unit. */
function rep(t: Timed, passes: number): number {
  let s = 0;
  const t0 = nowNs();
  for (let p = 0; p < passes; p++) s += t.pass();
  const ns = nowNs() - t0;
  sink += s;
  return ns / (passes * t.unitsPerPass);
}

function timing(t: Timed, runs: number[], passes: number): Timing {
  const s = stats(runs);
  return { name: t.name, min: s.min, median: median(runs), mean: s.mean, std: s.std, runs, passes, unitsPerRep: passes * t.unitsPerPass };
}

/**
 * Warms both up (baseline first), then times `plan.rounds` rounds of one repetition each,
 * alternating which goes first.
 */
export function timePair(baseline: Timed, candidate: Timed, plan: PairPlan): PairResult {
  const basePasses = warmUp(baseline, plan);
  const candPasses = warmUp(candidate, plan);
  const baseRuns: number[] = [];
  const candRuns: number[] = [];
  const roundRatios: number[] = [];
  for (let r = 0; r < plan.rounds; r++) {
    let b: number;
    let c: number;
    if (r % 2 === 0) {
      b = rep(baseline, basePasses);
      c = rep(candidate, candPasses);
    } else {
      c = rep(candidate, candPasses);
      b = rep(baseline, basePasses);
    }
    baseRuns.push(b);
    candRuns.push(c);
    roundRatios.push(b / c);
  }
  const base = timing(baseline, baseRuns, basePasses);
  const cand = timing(candidate, candRuns, candPasses);
  return {
    baseline: base,
    candidate: cand,
    roundRatios,
    ratio: median(roundRatios),
    ratioOfMins: base.min / cand.min,
    ratioOfMedians: base.median / cand.median,
  };
}
