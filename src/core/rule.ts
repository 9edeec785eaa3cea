/**
 * A detection rule as the core uses it: validated, defaults filled in, durations in ms.
 * `src/config/` builds these from YAML; the core never parses text.
 */

export type Direction = 'up' | 'down' | 'both';

/** How the rolling baseline treats samples that breach. */
export type Baseline = 'include' | 'exclude_anomalies';

/** Label matcher with Prometheus semantics; regexes are anchored (`^(?:re)$`). */
export type MatchOp = '=' | '!=' | '=~' | '!~';
export interface LabelMatcher {
  readonly label: string; // `__name__` is the metric name
  readonly op: MatchOp;
  readonly value: string;
}

/** A severity tier: the alert takes the highest tier whose |z| threshold the sample reaches. */
export interface SeverityTier {
  readonly severity: string;
  readonly z: number;
}

/**
 * Time-based escalation: once an alert has fired for `afterMs` (sample time), its severity is
 * raised to `severity` (a rank on the rule's severity ladder, see severityLadder()).
 */
export interface Escalation {
  readonly afterMs: number;
  readonly severity: string;
}

/**
 * `for`, `keep_firing_for`: a count of consecutive samples, or a duration on sample time.
 * `{samples: 0}` means "at once".
 */
export type Hold = { readonly samples: number } | { readonly ms: number };

export interface StdFloor {
  /** std never goes below this (units of the metric). */
  readonly absolute: number;
  /** nor below this times |mean|: a flat line still gives finite z, and a jump off it is seen. */
  readonly relative: number;
}

/** Anomaly likelihood settings (core/likelihood.ts). */
export interface Likelihood {
  /** Samples in the short average of |z| (its time constant). */
  readonly window: number;
  /** Fire when the short average is this unlikely under its long-run distribution (a tail probability). */
  readonly probability: number;
  /** Memory of that distribution, in samples. */
  readonly memory: number;
  /** Scored samples before the distribution is trusted. */
  readonly minSamples: number;
}

/** Daily seasonal baseline settings (core/seasonal.ts). */
export interface Seasonality {
  /** Time-of-day buckets of the profile. */
  readonly buckets: number;
  /** Days each bucket remembers. */
  readonly days: number;
  /** Used while the residual variance is below this fraction of the plain variance. */
  readonly explains: number;
  /** Memory of the residual statistics, in samples. */
  readonly memory: number;
}

/** One window pair of an SLO rule: breach when the error ratio over both windows exceeds burn × (1 − objective). */
export interface SloWindowPair {
  readonly longMs: number;
  readonly shortMs: number;
  /** Burn-rate factor: how many times faster than the objective allows the error budget is spent. */
  readonly burn: number;
  readonly severity: string;
}

/**
 * An SLO burn-rate rule (`kind: slo`): counters joined by group, error ratios over window pairs.
 * core/slo.ts evaluates it; the anomaly fields of its Rule are unused.
 */
export interface SloSpec {
  /** The target good ratio, in (0, 1): 0.999. The error budget is 1 − objective. */
  readonly objective: number;
  /** Counters of bad events; or, with `good` instead, bad = total − good. Exactly one is non-empty. */
  readonly errors: readonly LabelMatcher[] | null;
  readonly good: readonly LabelMatcher[] | null;
  /** Counters of all events. */
  readonly total: readonly LabelMatcher[];
  /** Labels a group is keyed by; null = every label but the metric name. */
  readonly groupBy: readonly string[] | null;
  /** Bucket size: counter increases are summed per step of sample time. Every window is a whole number of steps. */
  readonly stepMs: number;
  /** Ascending by burn: the index is the alert's tier (a higher burn is the more severe pair). */
  readonly windows: readonly SloWindowPair[];
}

export interface Rule {
  readonly name: string;
  /** All must hold. Empty = every series. */
  readonly matchers: readonly LabelMatcher[];
  /** W, samples in the long window. */
  readonly window: number;
  /** Ws < W, samples in the short window (read from the same ring). */
  readonly shortWindow: number;
  /** No score until the baseline holds this many samples. */
  readonly minSamples: number;
  /**
   * Long memory: score against exponentially weighted statistics that remember about this many
   * samples (core/long-memory.ts) instead of the rolling window; 0 = the window.
   */
  readonly memory: number;
  /**
   * Breach also when the recent average of |z| is unlikely under its long-run distribution; the
   * z tiers then act as the single-sample ceiling. null = off.
   */
  readonly likelihood: Likelihood | null;
  /** Score against a daily profile where it explains the series; null = off. */
  readonly seasonality: Seasonality | null;
  readonly direction: Direction;
  /** Ascending by z; tiers[0].z is the breach threshold. */
  readonly tiers: readonly SeverityTier[];
  readonly stdFloor: StdFloor;
  /** Breach only when both the short- and the long-window |z| reach the threshold. */
  readonly multiWindow: boolean;
  readonly baseline: Baseline;
  readonly for: Hold;
  readonly keepFiringFor: Hold;
  /**
   * While keep_firing_for holds a cleared alert, a breach of at least this × the episode's peak
   * |z| resolves it and fires a new one (a real incident right after a false alarm pages). 0 = never.
   */
  readonly rearm: number;
  /** Re-send a firing alert after this long (ms of sample time); 0 = never. */
  readonly repeatMs: number;
  /**
   * Raise the severity of an alert that has fired this long: ascending by afterMs, each step to a
   * severity ranked above the previous one on severityLadder(). Absent or empty = none.
   */
  readonly escalate?: readonly Escalation[];
  /** Present on `kind: slo` rules: then this, not the anomaly fields, decides when the rule breaches. */
  readonly slo?: SloSpec;
  /** Extra labels put on every alert of this rule (team, service). */
  readonly labels: Readonly<Record<string, string>>;
  /** Templates: `{{ value }}`, `{{ labels.service }}`, … (see src/codec/alert-template.ts). */
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * The rule's severities from lowest to highest: an alert's tier indexes this list. The score tiers
 * come first (ascending z), then the severities only `escalate` reaches, in escalation order: an
 * alert gets there by time alone, never by its score.
 */
export function severityLadder(rule: Pick<Rule, 'tiers' | 'escalate'>): string[] {
  const ladder = rule.tiers.map((t) => t.severity);
  for (const e of rule.escalate ?? []) if (!ladder.includes(e.severity)) ladder.push(e.severity);
  return ladder;
}
