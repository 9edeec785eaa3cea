/**
 * The per-rule numbers the hot path reads, flattened once when a detector is built (never per
 * sample), and the rule's matcher compiled.
 */
import { severityLadder, type Rule } from './rule.js';
import type { HoldParams, LifecycleParams } from './lifecycle.js';
import type { SeriesIdentity } from './series-identity.js';
import { directionCode, tierThresholds } from './score.js';
import { compileMatchers } from './matcher.js';
import { normalQuantile, type LikelihoodParams } from './likelihood.js';
import type { SeasonalParams } from './seasonal.js';

/** A rule keeps a ring when it scores against the window or confirms with the short window. */
export function usesRing(rule: Rule): boolean {
  return rule.memory === 0 || rule.multiWindow;
}

export class RuleParams implements LifecycleParams {
  readonly window: number;
  readonly shortWindow: number;
  readonly minSamples: number;
  readonly shortMinSamples: number;
  readonly direction: number;
  readonly thresholds: Float64Array;
  readonly absFloor: number;
  readonly relFloor: number;
  readonly multiWindow: boolean;
  readonly excludeAnomalies: boolean;
  readonly for: HoldParams;
  readonly keepFiringFor: HoldParams;
  readonly repeatMs: number;
  readonly memory: number;
  /** Whether samples go into the ring: scored against the window, or confirmed by its short part. */
  readonly usesRing: boolean;
  readonly rearm: number;
  /** Time escalation (see LifecycleParams); undefined when the rule has none, so the lifecycle skips it. */
  readonly escalateMs?: Float64Array;
  readonly escalateTier?: Uint8Array;
  readonly likelihood: LikelihoodParams | null;
  readonly seasonality: SeasonalParams | null;
  private readonly matcher: (name: string, labels: Readonly<Record<string, string>>) => boolean;

  constructor(readonly rule: Rule) {
    this.window = rule.window;
    this.shortWindow = rule.shortWindow;
    this.minSamples = rule.minSamples;
    this.shortMinSamples = Math.min(rule.minSamples, rule.shortWindow);
    this.direction = directionCode(rule.direction);
    this.thresholds = tierThresholds(rule.tiers);
    this.absFloor = rule.stdFloor.absolute;
    this.relFloor = rule.stdFloor.relative;
    this.multiWindow = rule.multiWindow;
    this.excludeAnomalies = rule.baseline === 'exclude_anomalies';
    this.for = holdParams(rule.for);
    this.keepFiringFor = holdParams(rule.keepFiringFor);
    this.repeatMs = rule.repeatMs;
    this.memory = rule.memory;
    this.usesRing = usesRing(rule);
    this.rearm = rule.rearm;
    const escalate = rule.escalate ?? [];
    if (escalate.length > 0) {
      const ladder = severityLadder(rule);
      this.escalateMs = Float64Array.from(escalate, (e) => e.afterMs);
      this.escalateTier = Uint8Array.from(escalate, (e) => ladder.indexOf(e.severity));
      for (let i = 0; i < escalate.length; i++) {
        if (
          !(this.escalateMs[i] > (i === 0 ? 0 : this.escalateMs[i - 1]!)) ||
          (i > 0 && this.escalateTier[i]! <= this.escalateTier[i - 1]!)
        )
          throw new RangeError(`rule ${rule.name}: escalate steps must ascend in after and in severity`);
      }
    }
    const l = rule.likelihood;
    this.likelihood =
      l === null
        ? null
        : { shortAlpha: 2 / (l.window + 1), memory: l.memory, threshold: normalQuantile(l.probability), minSamples: l.minSamples };
    this.seasonality = rule.seasonality;
    this.matcher = compileMatchers(rule.matchers);
    if (!(this.absFloor > 0)) throw new RangeError(`rule ${rule.name}: std_floor.absolute must be > 0`);
    if (rule.tiers.length === 0) throw new RangeError(`rule ${rule.name}: needs at least one severity tier`);
  }

  matches(series: SeriesIdentity): boolean {
    return this.matcher(series.name, series.labels);
  }
}

function holdParams(h: Rule['for']): HoldParams {
  return 'samples' in h ? { samples: Math.max(1, h.samples), ms: 0 } : { samples: 0, ms: h.ms };
}
