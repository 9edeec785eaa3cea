/**
 * Scoring one sample against the statistics of the window before it.
 *
 * The std floor: a series that has been flat (std = 0, or std lost in rounding next to a large
 * mean) would otherwise give z = ±Infinity or NaN. Scoring divides by max(std, absolute,
 * relative·|mean|), so z stays finite and a jump off a flat line still scores high.
 */
import type { Direction, SeverityTier } from './rule.js';

export const UP = 0;
export const DOWN = 1;
export const BOTH = 2;

export function directionCode(d: Direction): number {
  return d === 'up' ? UP : d === 'down' ? DOWN : BOTH;
}

/** max(std, absoluteFloor, relativeFloor·|mean|): the std a score divides by. */
export function flooredStd(variance: number, mean: number, absoluteFloor: number, relativeFloor: number): number {
  let s = Math.sqrt(variance);
  const rel = relativeFloor * Math.abs(mean);
  if (s < rel) s = rel;
  if (s < absoluteFloor) s = absoluteFloor;
  return s;
}

/** z = (x − mean) / flooredStd. absoluteFloor must be > 0, so z is always finite. */
export function zScore(x: number, mean: number, variance: number, absoluteFloor: number, relativeFloor: number): number {
  return (x - mean) / flooredStd(variance, mean, absoluteFloor, relativeFloor);
}

/** |z| in the rule's direction: a dip has no magnitude for an `up` rule. */
export function directedMagnitude(z: number, direction: number): number {
  if (direction === UP) return z > 0 ? z : 0;
  if (direction === DOWN) return z < 0 ? -z : 0;
  return z < 0 ? -z : z;
}

/** Index of the highest tier whose threshold `magnitude` reaches (tiers ascending), or -1. */
export function tierOf(magnitude: number, thresholds: Float64Array): number {
  let t = -1;
  for (let i = 0; i < thresholds.length; i++) {
    if (magnitude >= thresholds[i]) t = i;
    else break;
  }
  return t;
}

export function tierThresholds(tiers: readonly SeverityTier[]): Float64Array {
  return Float64Array.from(tiers, (t) => t.z);
}
