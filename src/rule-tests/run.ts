/**
 * Runs one rule test on a stepped clock, through the same `Detector` and `AlertEventBuilder` the
 * worker and replay use (there is one detection code path).
 *
 * Step i is at ts = i × interval (from 0). At each step: every input series that has a value there
 * is observed, in the order of the file; then, when the test sets `idle_timeout`, series idle for
 * longer than that are evicted (what the worker's housekeeping does, here at every step); then the
 * alerts are drained and built into events, and compared with what the test expects at that step.
 */
import { Detector } from '../core/detector.js';
import type { Rule } from '../core/rule.js';
import type { AlertEvent } from '../codec/alerts.js';
import { AlertEventBuilder } from '../codec/alert-event-builder.js';
import { parseSeriesId } from '../codec/series-id.js';
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
  const detector = new Detector({ rules, maxSeries: MAX_SERIES, initialCapacity: 16, parseKey: parseSeriesId });
  const builder = new AlertEventBuilder();
  const encoder = new TextEncoder();
  const keys = test.inputSeries.map((s) => encoder.encode(s.series));
  const byStep = new Map<number, StepExpectation>(test.expectations.map((e) => [e.step, e]));
  const failures: StepFailure[] = [];
  const events: StepEvents[] = [];

  for (let step = 0; step < test.steps; step++) {
    const ts = step * test.intervalMs;
    test.inputSeries.forEach((s, i) => {
      const v = s.values[step];
      if (v !== undefined && v !== null) detector.observe(keys[i]!, 0, keys[i]!.length, ts, v);
    });
    if (test.idleTimeoutMs > 0) detector.evictIdle(ts, test.idleTimeoutMs);
    const got = detector.drainAlerts().map((a) => builder.build(a));
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
