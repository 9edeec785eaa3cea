/**
 * What the engine made of one batch of records, preallocated and reused batch after batch: the
 * alert events to publish, the dead letters to publish, and the counts every driver turns into
 * metrics or a summary (outcomes per sample, lifecycle transitions and flaps per rule, dead
 * letters per reason, series evicted). Every count array is indexed by a closed enum defined once
 * (`OUTCOME_NAMES`, `TRANSITION_NAMES`, `DEAD_LETTER_REASONS`), so drivers never re-derive a
 * count from strings.
 */
import { OUTCOME_NAMES, type Outcome } from '../core/outcome.js';
import { TRANSITION_NAMES, type Transition } from '../core/lifecycle.js';
import type { AlertEvent } from '../codec/alerts.js';
import { DEAD_LETTER_REASONS, type DeadLetter } from '../codec/dead-letter.js';

/** An alert event with what the drivers count it by. */
export interface EngineAlert {
  readonly event: AlertEvent;
  /** Index of its rule in the engine's rules. */
  readonly rule: number;
  /** When the episode started firing (Unix ms, sample time). */
  readonly firedAt: number;
  /** A resolution within the flap window after firing: an alert that paged for nothing. */
  readonly flap: boolean;
}

export class BatchResult {
  /** Records handed to the engine since begin(). */
  records = 0;
  /** Offset of the last of them, or null when there was none. */
  lastOffset: string | null = null;
  /** Idle series evicted (their firing alerts resolved as stale). */
  evicted = 0;
  /** Samples by outcome, at [Outcome]. */
  readonly outcomes = new Float64Array(OUTCOME_NAMES.length);
  /** Lifecycle transitions, at [rule × TRANSITION_NAMES.length + Transition]. */
  readonly transitions: Float64Array;
  /** Flaps per rule. */
  readonly flaps: Float64Array;
  /** Dead letters per reason, at the reason's index in DEAD_LETTER_REASONS. */
  readonly deadLetterCounts = new Float64Array(DEAD_LETTER_REASONS.length);
  readonly alerts: EngineAlert[] = [];
  readonly deadLetters: DeadLetter[] = [];

  constructor(readonly ruleCount: number) {
    this.transitions = new Float64Array(ruleCount * TRANSITION_NAMES.length);
    this.flaps = new Float64Array(ruleCount);
  }

  reset(): void {
    this.records = 0;
    this.lastOffset = null;
    this.evicted = 0;
    this.outcomes.fill(0);
    this.transitions.fill(0);
    this.flaps.fill(0);
    this.deadLetterCounts.fill(0);
    this.alerts.length = 0;
    this.deadLetters.length = 0;
  }

  /** Samples handled (every outcome). */
  get samples(): number {
    let n = 0;
    for (let i = 0; i < this.outcomes.length; i++) n += this.outcomes[i];
    return n;
  }

  outcomeCount(o: Outcome): number {
    return this.outcomes[o];
  }

  transitionCount(rule: number, t: Transition): number {
    return this.transitions[rule * TRANSITION_NAMES.length + t];
  }
}
