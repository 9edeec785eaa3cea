import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { load as loadConfig } from '../config/helpers.js';
import { errorLines, load, writeFile } from './helpers.js';

const RULE =
  'rules: [{name: latency, window: 10, memory: 0, keep_firing_for: 0, likelihood: false, seasonality: false, min_samples: 6, z: 4}]';

test('a test file: inline rules with the config defaults, steps, canonical series, expectations sorted by step', () => {
  const f = load(`${RULE}
evaluation_interval: 30s
tests:
  - name: one
    input_series:
      - {series: 'm{b="2", a="1"}', values: '1x3 _ 2'}
      - {series: 'n', values: '5'}
    alert_rule_test:
      - eval_time: 4m
        alerts: [{status: firing, starts_at_step: 3, labels: {a: '1'}}]
      - eval_step: 2
  - interval: 1m
    strict: false
    idle_timeout: 5m
    input_series: [{series: m, values: '1'}]
`);
  const fromConfig = loadConfig({ file: writeFile(RULE, 'plain.yaml') }).rules;
  assert.deepEqual(f.rules, fromConfig, 'the same rules as a configuration file gives');
  const [one, two] = f.tests;
  assert.equal(one!.name, 'one');
  assert.equal(one!.intervalMs, 30_000);
  assert.equal(one!.strict, true);
  assert.equal(one!.idleTimeoutMs, 0);
  assert.deepEqual(one!.inputSeries, [
    { series: 'm{a="1",b="2"}', values: [1, 1, 1, 1, null, 2] },
    { series: 'n', values: [5] },
  ]);
  assert.deepEqual(one!.expectations, [
    { step: 2, alerts: [] },
    { step: 8, alerts: [{ status: 'firing', startsAtStep: 3, labels: { a: '1' } }] },
  ]);
  assert.equal(one!.steps, 9, 'runs to the last listed step');
  assert.equal(two!.name, 'tests[1]');
  assert.deepEqual([two!.intervalMs, two!.strict, two!.idleTimeoutMs, two!.steps], [60_000, false, 300_000, 1]);
});

test('rule_files: configuration files relative to the test file, loaded as run --config would', () => {
  writeFile('kafka: {group_id: g}\nrules:\n  - {name: a, match: {name: x}, window: 20}\n', 'first.yaml');
  writeFile('rules:\n  - {name: b, z: 5}\n', 'second.yaml');
  const f = load('rule_files: [first.yaml, ./second.yaml]\ntests: [{input_series: [{series: m, values: "1"}]}]\n');
  assert.deepEqual(
    f.rules.map((r) => [r.name, r.window, r.tiers[0]!.z]),
    [
      ['a', 20, 6],
      ['b', 120, 5],
    ],
  );
});

test('a rule_files configuration is read without the environment', () => {
  writeFile('rules:\n  - {name: a, z: 5}\n', 'env.yaml');
  process.env.SIGMAWATCH_RULES__0__Z = '9';
  try {
    const f = load('rule_files: [env.yaml]\ntests: [{input_series: [{series: m, values: "1"}]}]\n');
    assert.equal(f.rules[0]!.tiers[0]!.z, 5);
  } finally {
    delete process.env.SIGMAWATCH_RULES__0__Z;
  }
});

test('mistakes in rules read exactly like configuration errors', () => {
  assert.deepEqual(
    errorLines('rules:\n  - name: a\n    window: 1.5\n    windw: 3\ntests: [{input_series: [{series: m, values: "1"}]}]\n'),
    [
      'FILE:3:13: rules[0].window must be an integer from 2 to 65535, got 1.5 (number)',
      'FILE:4:5: rules[0].windw is not a known key (did you mean window?); allowed: name, kind, match, window, short_window, min_samples, memory, likelihood, seasonality, z, severity, severities, direction, std_floor, multi_window, baseline, for, keep_firing_for, rearm, repeat, escalate, labels, annotations',
    ],
  );
  assert.deepEqual(errorLines('rules: [{name: a}, {name: a}]\ntests: [{input_series: [{series: m, values: "1"}]}]\n'), [
    'FILE:1:27: rules[1].name "a" is already used by rules[0]; rule names must be unique',
  ]);
});

test('mistakes in tests: every one listed with file:line:col and key', () => {
  const text = `${RULE}
evaluation_interval: 1x
tests:
  - name: t
    intervall: 1m
    input_series:
      - series: 'm{a="1"'
        values: '1 2 1+2 3'
      - series: 'm{a="2"}'
        values: ''
    alert_rule_test:
      - eval_step: -1
        alerts: [{status: fired, labels: {1a: b}, severity: 3}]
`;
  assert.deepEqual(errorLines(text), [
    'FILE:2:22: evaluation_interval must be a positive duration like 250ms, 30s, 5m, 1h30m (units w, d, h, m, s, ms), got "1x" (string)',
    'FILE:7:17: tests[0].input_series[0].series: bad series id "m{a=\\"1\\"" at position 7: expected \',\' or \'}\' after the value of label "a", got the end',
    'FILE:8:17: tests[0].input_series[0].values: "1+2" at position 4: an increment needs a count: write 1+2xN for N more samples',
    'FILE:10:17: tests[0].input_series[1].values must hold at least one step, got ""',
    'FILE:12:20: tests[0].alert_rule_test[0].eval_step must be an integer ≥ 0, got -1 (number)',
    'FILE:13:27: tests[0].alert_rule_test[0].alerts[0].status must be one of firing, resolved, got "fired" (string)',
    'FILE:13:61: tests[0].alert_rule_test[0].alerts[0].severity must be a non-empty string, got 3 (number)',
    'FILE:13:43: tests[0].alert_rule_test[0].alerts[0].labels["1a"]: the key must be a label name matching [a-zA-Z_][a-zA-Z0-9_]*, got "1a" (string)',
    'FILE:5:5: tests[0].intervall is not a known key (did you mean interval?); allowed: name, interval, idle_timeout, strict, input_series, alert_rule_test',
  ]);
});

test('cross checks: duplicate series and steps, eval_time off the grid, eval_step and eval_time, unknown rule', () => {
  const text = `${RULE}
tests:
  - input_series:
      - {series: 'm{a="1"}', values: '1 2'}
      - {series: 'm{ a="1" }', values: '1 2'}
    alert_rule_test:
      - eval_step: 3
      - eval_time: 3m
      - eval_time: 90s
      - {}
      - {eval_step: 5, eval_time: 5m}
      - eval_step: 4
        alerts: [{rule: latncy}]
`;
  assert.deepEqual(errorLines(text), [
    'FILE:5:18: tests[0].input_series[1].series "m{a=\\"1\\"}" is already given by input_series[0]; give each series once',
    'FILE:8:9: tests[0].alert_rule_test[1] checks step 3, already checked by alert_rule_test[0]; list all the alerts of a step in one entry',
    'FILE:9:20: tests[0].alert_rule_test[2].eval_time must be a whole number of steps (a multiple of the interval, 1m), got 1m30s',
    'FILE:10:9: tests[0].alert_rule_test[3] needs eval_step (a step number from 0) or eval_time (a duration from 0)',
    'FILE:11:9: tests[0].alert_rule_test[4] gives both eval_step and eval_time; give one',
    'FILE:13:25: tests[0].alert_rule_test[5].alerts[0].rule "latncy" is not a rule of this test file (did you mean latency?); rules: latency',
  ]);
});

test('rules: inline or from files, exactly one; rule files must exist, hold rules, be valid, and not repeat names', () => {
  const tests = 'tests: [{input_series: [{series: m, values: "1"}]}]';
  assert.deepEqual(errorLines(tests), [
    'FILE:1:1: the file needs rules (a list of rules, as in a configuration) or rule_files (configuration files holding them)',
  ]);
  assert.deepEqual(errorLines(`${RULE}\nrule_files: [x.yaml]\n${tests}`), [
    'FILE:2:1: rule_files cannot be given with rules: give the rules inline or in files, not both',
  ]);
  const noRules = basename(writeFile('kafka: {group_id: g}\n', 'norules.yaml'));
  const bad = basename(writeFile('rules:\n  - name: a\n    window: 1\n', 'bad.yaml'));
  const a = basename(writeFile('rules: [{name: a}]\n', 'a.yaml'));
  const lines = errorLines(`rule_files: [missing.yaml, ${noRules}, ${bad}, ${a}, ${a}]\n${tests}`);
  assert.equal(lines.length, 5, lines.join('\n'));
  assert.match(lines[0]!, /^FILE:1:14: rule_files\[0\] cannot read ".*missing\.yaml": no such file$/);
  assert.match(
    lines[1]!,
    /^FILE:1:28: rule_files\[1\] names ".*norules\.yaml", which has no rules: section \(it would test the default rule\)$/,
  );
  assert.match(lines[2]!, /^FILE:1:42: rule_files\[2\] names ".*bad\.yaml", an invalid configuration:$/);
  assert.match(lines[3]!, /bad\.yaml:3:13: rules\[0\]\.window must be an integer from 2 to 65535, got 1 \(number\)$/);
  assert.match(lines[4]!, /^FILE:1:60: rule_files\[4\] defines rule "a", already defined by rule_files\[3\]; rule names must be unique$/);
});

test('files that cannot be read', () => {
  assert.deepEqual(errorLines('- a list\n'), ['FILE: the file must hold a map of sections (kafka:, rules:, …), got a list']);
  assert.match(errorLines('tests: [\n')[0]!, /^FILE:\d+:\d+: YAML syntax error: /);
});
