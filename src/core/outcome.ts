/**
 * What happened to one sample: the closed set behind `sigmawatch_samples_total{outcome}`, the
 * replay summary and the engine's batch counts. The numbers index count arrays; the names beside
 * them are what metrics and logs show.
 */
export const Outcome = {
  Scored: 0,
  /** Fewer than min_samples in the window: added, not scored. */
  Learning: 1,
  /** No rule matches the series. */
  NoRule: 2,
  /** The store holds max_series series already; the sample is dropped. */
  Refused: 3,
  /** NaN, ±Infinity or a magnitude beyond MAX_ABS_VALUE: never enters a window. */
  RejectedValue: 4,
  /** The record key is not a valid series id (found when the series is first seen). */
  BadKey: 5,
  /** No anomaly rule matches the series, but SLO rules count it (core/slo.ts). */
  Slo: 6,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** Outcome names, indexed by Outcome. */
export const OUTCOME_NAMES = ['scored', 'learning', 'no_rule', 'refused', 'rejected_value', 'bad_key', 'slo'] as const;
export type OutcomeName = (typeof OUTCOME_NAMES)[number];
