/**
 * Runs one rule test on a stepped clock, through the same engine the worker and replay use (there
 * is one detection code path). Values go in by the engine's per-sample path (key bytes, ts, value)
 * rather than as records: a test's clock starts at 0, which the record decoder rightly refuses as
 * a Unix-ms timestamp.
 *
 * Step i is at ts = i × interval (from 0); each step is one batch. At each step: every input series
 * that has a value there is processed, in the order of the file; then the engine's clock moves to
 * the step and, when the test sets `idle_timeout`, series idle for longer than that are evicted
 * (the worker does this now and then; here at every step); then the step's alert events are
 * compared with what the test expects at that step.
 */
import type { Rule } from '../core/rule.js';
import type { AlertEvent } from '../codec/alerts.js';
import { Engine } from '../engine/engine.js';
import { compareStep, type MissingAlert } from './compare.js';
import type { RuleTest, StepExpectation } from './test-file.js';

/** The most series a test can hold; far beyond any hand-written input. */
const MAX_SERIES = 100_000;

export interface StepEvents {
  readonly step: number;
  readonly events: readonly AlertEvent[];
}

/** What went wrong at one step. */
export interface StepFailure {
  readonly step: number;
  /** false: the step was not listed in alert_rule_test (a strict test expects no events there). */
  readonly listed: boolean;
  readonly expected: number;
  readonly got: number;
  readonly missing: readonly MissingAlert[];
  readonly unexpected: readonly AlertEvent[];
}

export interface RuleTestResult {
  readonly test: RuleTest;
  readonly passed: boolean;
  readonly failures: readonly StepFailure[];
  /** Every step that produced events, in order (for --verbose and for writing expectations). */
  readonly events: readonly StepEvents[];
}

export function runRuleTest(rules: readonly Rule[], test: RuleTest): RuleTestResult {
  const engine = new Engine({
    rules,
    maxSeries: MAX_SERIES,
    initialCapacity: 16,
    idleTimeoutMs: test.idleTimeoutMs > 0 ? test.idleTimeoutMs : Infinity,
    evictEveryMs: 0,
    flapWindowMs: 0,
    source: { topic: 'rule-test', partition: 0 },
  });
  const keys = test.inputSeries.map((s) => Buffer.from(s.series));
  const byStep = new Map<number, StepExpectation>(test.expectations.map((e) => [e.step, e]));
  const failures: StepFailure[] = [];
  const events: StepEvents[] = [];

  for (let step = 0; step < test.steps; step++) {
    const ts = step * test.intervalMs;
    engine.begin(0);
    test.inputSeries.forEach((s, i) => {
      const v = s.values[step];
      if (v !== undefined && v !== null) engine.observe(keys[i]!, ts, v);
    });
    engine.advanceClock(ts);
    const got = engine.finish().alerts.map((a) => a.event);
    if (got.length > 0) events.push({ step, events: got });

    const want = byStep.get(step);
    if (want !== undefined) {
      const { missing, unexpected } = compareStep(want.alerts, got, test.intervalMs);
      if (missing.length > 0 || unexpected.length > 0) {
        failures.push({ step, listed: true, expected: want.alerts.length, got: got.length, missing, unexpected });
      }
    } else if (test.strict && got.length > 0) {
      failures.push({ step, listed: false, expected: 0, got: got.length, missing: [], unexpected: got });
    }
  }
  return { test, passed: failures.length === 0, failures, events };
}
