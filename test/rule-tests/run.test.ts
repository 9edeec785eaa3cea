import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runRuleTest, type RuleTestResult } from '../../src/rule-tests/run.js';
import { formatFailures } from '../../src/rule-tests/report.js';
import { load, zigzag } from './helpers.js';

/** Runs every test of a test file given as text. */
function run(text: string): RuleTestResult[] {
  const f = load(text);
  return f.tests.map((t) => runRuleTest(f.rules, t));
}

const RULES = `
rules:
  - name: latency
    window: 10
    memory: 0
    keep_firing_for: 0
    likelihood: false
    seasonality: false
    min_samples: 6
    severities: [{severity: warning, z: 4}, {severity: critical, z: 20}]
    labels: {team: web}
    annotations: {summary: '{{ labels.service }} at {{ value }}'}
`;

const SPIKE = `
    input_series:
      - series: 'http_latency_seconds{service="api"}'
        values: '${zigzag(10, '110 101')}'
`;

test('a passing test: the expected events at the listed steps, nothing anywhere else', () => {
  const [r] = run(`${RULES}
tests:
  - name: spike
${SPIKE}
    alert_rule_test:
      - eval_step: 9
      - eval_step: 10
        alerts:
          - status: firing
            reason: fired
            severity: warning
            rule: latency
            series: 'http_latency_seconds{service="api"}'
            name: http_latency_seconds
            labels: {service: api, team: web}
            annotations: {summary: 'api at 110'}
            value: 110
            starts_at_step: 10
      - eval_time: 11m
        alerts: [{status: resolved, reason: resolved}]
`);
  assert.deepEqual(formatFailures(r!), []);
  assert.equal(r!.passed, true);
  assert.deepEqual(
    r!.events.map((s) => [s.step, s.events.map((e) => e.status)]),
    [
      [10, ['firing']],
      [11, ['resolved']],
    ],
  );
  assert.equal(r!.events[0]!.events[0]!.ts, 10 * 60_000, 'step i is at i × interval');
});

test('a failing test: the diff names the step, pairs the expectation with the closest event, and lists the fields that differ', () => {
  const [r] = run(`${RULES}
tests:
  - name: spike
${SPIKE}
    alert_rule_test:
      - eval_step: 10
        alerts:
          - {status: firing, severity: critical, labels: {service: api}}
          - {status: firing, series: 'http_latency_seconds{service="web"}'}
`);
  assert.equal(r!.passed, false);
  assert.deepEqual(formatFailures(r!), [
    '    step 10 (10m): expected 2 alerts, got 1 alert',
    '      - expected   {status: firing, severity: critical, labels: {service: api}}',
    `        got        {status: firing, reason: fired, severity: warning, rule: latency, series: 'http_latency_seconds{service="api"}', labels: {service: api, team: web}, value: 110, starts_at_step: 10}  # z 10`,
    '                   severity: expected critical, got warning',
    '                   labels: expected {service: api}, got {service: api, team: web}',
    `      - expected   {status: firing, series: 'http_latency_seconds{service="web"}'}`,
    '    step 11 (11m, not listed in alert_rule_test): expected no alerts, got 1 alert',
    `      + unexpected {status: resolved, reason: resolved, severity: warning, rule: latency, series: 'http_latency_seconds{service="api"}', labels: {service: api, team: web}, value: 101, starts_at_step: 10}  # z -0.03212`,
  ]);
});

test('annotations are shown when an expectation checks them; an expected empty step that has events lists them', () => {
  const [r] = run(`${RULES}
tests:
  - name: spike
${SPIKE}
    alert_rule_test:
      - eval_step: 10
        alerts: [{annotations: {summary: 'api at 111'}}]
      - eval_step: 11
        alerts: []
`);
  assert.deepEqual(formatFailures(r!), [
    '    step 10 (10m): expected 1 alert, got 1 alert',
    "      - expected   {annotations: {summary: 'api at 111'}}",
    `        got        {status: firing, reason: fired, severity: warning, rule: latency, series: 'http_latency_seconds{service="api"}', labels: {service: api, team: web}, annotations: {summary: 'api at 110'}, value: 110, starts_at_step: 10}  # z 10`,
    "                   annotations: expected {summary: 'api at 111'}, got {summary: 'api at 110'}",
    '    step 11 (11m): expected no alerts, got 1 alert',
    `      + unexpected {status: resolved, reason: resolved, severity: warning, rule: latency, series: 'http_latency_seconds{service="api"}', labels: {service: api, team: web}, value: 101, starts_at_step: 10}  # z -0.03212`,
  ]);
});

test('strict: false checks only the listed steps', () => {
  const [r] = run(`${RULES}
tests:
  - strict: false
${SPIKE}
    alert_rule_test:
      - eval_step: 10
        alerts: [{status: firing}]
`);
  assert.equal(r!.passed, true);
  assert.equal(r!.events.length, 2, 'the resolution at step 11 happened, unchecked');
});

test('series are fed in file order at each step, and only where they have a value', () => {
  const [r] = run(`${RULES}
tests:
  - strict: false
    input_series:
      - {series: 'm{s="b"}', values: '${zigzag(10, '_ 130')}'}
      - {series: 'm{s="a"}', values: '${zigzag(10, '130 _')}'}
      - {series: 'm{s="c"}', values: '${zigzag(10, '130')}'}
`);
  assert.deepEqual(
    r!.events.map((s) => [s.step, s.events.map((e) => `${e.series} ${e.status}`)]),
    [
      [10, ['m{s="a"} firing', 'm{s="c"} firing']],
      [11, ['m{s="b"} firing']],
    ],
    'series b had no sample at step 10; a has none at 11 (no resolution without a sample)',
  );
});

test('idle_timeout evicts after each step: a firing alert resolves as stale once idle for longer than the timeout', () => {
  const text = (idle: string) => `${RULES}
tests:
  - idle_timeout: ${idle}
    input_series:
      - {series: 'm', values: '${zigzag(10, '130 stale _x9')}'}
    alert_rule_test:
      - eval_step: 10
        alerts: [{status: firing}]
      - eval_step: 14
        alerts: [{status: resolved, reason: stale, value: 130, starts_at_step: 10}]
`;
  assert.deepEqual(formatFailures(run(text('3m'))[0]!), [], 'last sample at step 10: idle 4m > 3m at step 14');
  const [never] = run(text('0'));
  assert.equal(never!.passed, false);
  assert.deepEqual(
    never!.events.map((s) => s.step),
    [10],
    'idle_timeout 0: never evicted',
  );
});

test('interval scales sample time: for and repeat durations count in it', () => {
  const [r] = run(`
rules: [{name: r, window: 10, memory: 0, keep_firing_for: 0, likelihood: false, seasonality: false, min_samples: 6, z: 4, for: 1m, repeat: 1m, baseline: exclude_anomalies}]
evaluation_interval: 30s
tests:
  - strict: false
    input_series:
      - {series: m, values: '${zigzag(10, '130x5 100')}'}
`);
  // 30 s steps: pending at step 10, fired at 12 (1m later), repeated 1m = 2 steps after each send.
  assert.deepEqual(
    r!.events.map((s) => [s.step, s.events[0]!.reason, s.events[0]!.startsAt / 30_000]),
    [
      [12, 'fired', 10],
      [14, 'repeat', 10],
      [16, 'resolved', 10],
    ],
  );
});
