import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rule } from '../../src/core/rule.js';
import { load, yamlFile } from './helpers.js';

/** Loads one rule written as YAML flow-map content: `rule('name: a, window: 60')`. */
function rule(body: string): Rule {
  const rules = load({ file: yamlFile(`rules: [{${body}}]`) }).rules;
  assert.equal(rules.length, 1);
  return rules[0]!;
}

test('a rule with only a name gets every default', () => {
  const r = rule('name: only');
  assert.deepEqual(r, { ...load().rules[0], name: 'only' });
});

test('short_window defaults to a quarter of the window, min_samples to min(30, window)', () => {
  assert.deepEqual([rule('name: a').shortWindow, rule('name: a').minSamples], [30, 30]);
  assert.deepEqual([rule('name: a, window: 20').shortWindow, rule('name: a, window: 20').minSamples], [5, 20]);
  assert.deepEqual([rule('name: a, window: 2').shortWindow, rule('name: a, window: 2').minSamples], [1, 2]);
  assert.deepEqual([rule('name: a, window: 7').shortWindow, rule('name: a, window: 7').minSamples], [1, 7]);
  const r = rule('name: a, window: 300, short_window: 60, min_samples: 300');
  assert.deepEqual([r.window, r.shortWindow, r.minSamples], [300, 60, 300]);
});

test('for / keep_firing_for: an integer is samples, a duration is sample time', () => {
  const r = rule('name: a, for: 3, keep_firing_for: 5m');
  assert.deepEqual(r.for, { samples: 3 });
  assert.deepEqual(r.keepFiringFor, { ms: 300_000 });
  assert.deepEqual(rule('name: a, for: 1h30m').for, { ms: 5_400_000 });
  assert.deepEqual(rule('name: a, for: 250ms').for, { ms: 250 });
  assert.deepEqual(rule('name: a, for: 0').for, { samples: 0 });
  assert.deepEqual(rule('name: a, for: 0s').for, { samples: 0 });
});

test('repeat: a duration, 0 or 0s = never', () => {
  assert.equal(rule('name: a, repeat: 4h').repeatMs, 14_400_000);
  assert.equal(rule('name: a, repeat: 0').repeatMs, 0);
  assert.equal(rule('name: a, repeat: 0s').repeatMs, 0);
});

test('one tier from z + severity, or several from severities', () => {
  assert.deepEqual(rule('name: a, z: 4').tiers, [{ severity: 'warning', z: 4 }]);
  assert.deepEqual(rule('name: a, severity: page').tiers, [{ severity: 'page', z: 6 }]);
  assert.deepEqual(rule('name: a, severities: [{severity: warning, z: 3}, {severity: critical, z: 5}]').tiers, [
    { severity: 'warning', z: 3 },
    { severity: 'critical', z: 5 },
  ]);
});

test('the other keys', () => {
  const r = rule(
    'name: a, direction: up, std_floor: {absolute: 0.5}, multi_window: true, baseline: exclude_anomalies, ' +
      'labels: {team: db, tier: "1"}, annotations: {summary: "{{ name }} is {{ value }}", runbook_url: "https://x/{{ labels.team }}"}',
  );
  assert.equal(r.direction, 'up');
  assert.deepEqual(r.stdFloor, { absolute: 0.5, relative: 1e-9 });
  assert.equal(r.multiWindow, true);
  assert.equal(r.baseline, 'exclude_anomalies');
  assert.deepEqual(r.labels, { team: 'db', tier: '1' });
  assert.deepEqual(r.annotations, { summary: '{{ name }} is {{ value }}', runbook_url: 'https://x/{{ labels.team }}' });
});

test('match compiles into label matchers, ANDed, __name__ for the metric name', () => {
  assert.deepEqual(rule('name: a, match: {}').matchers, []);
  assert.deepEqual(rule(`name: a, match: {name: http_requests_total, name_regex: "http_.*", labels: {env: prod, job: api}}`).matchers, [
    { label: '__name__', op: '=', value: 'http_requests_total' },
    { label: '__name__', op: '=~', value: 'http_.*' },
    { label: 'env', op: '=', value: 'prod' },
    { label: 'job', op: '=', value: 'api' },
  ]);
});

test('match.selector: Prometheus selector syntax with =, !=, =~, !~', () => {
  assert.deepEqual(
    rule(`name: a, match: {selector: 'http_requests_total{env="prod",code=~"5..",job!="test",path!~"/health.*"}'}`).matchers,
    [
      { label: '__name__', op: '=', value: 'http_requests_total' },
      { label: 'env', op: '=', value: 'prod' },
      { label: 'code', op: '=~', value: '5..' },
      { label: 'job', op: '!=', value: 'test' },
      { label: 'path', op: '!~', value: '/health.*' },
    ],
  );
  // Combined with the other keys, all ANDed.
  assert.deepEqual(rule(`name: a, match: {labels: {team: db}, selector: '{env="prod"}'}`).matchers, [
    { label: 'team', op: '=', value: 'db' },
    { label: 'env', op: '=', value: 'prod' },
  ]);
});

test('name_regex accepts what the core accepts, such as a leading (?i)', () => {
  assert.deepEqual(rule(`name: a, match: {name_regex: "(?i)http_.*"}`).matchers, [{ label: '__name__', op: '=~', value: '(?i)http_.*' }]);
});

test('escalate: steps sorted by after; severities rank as the tiers, then the names only escalate reaches', () => {
  const r = rule('name: a, escalate: [{after: 1h, severity: page}, {after: 15m, severity: critical}]');
  assert.deepEqual(r.escalate, [
    { afterMs: 900_000, severity: 'critical' },
    { afterMs: 3_600_000, severity: 'page' },
  ]);
  const tiers = rule(
    'name: a, severities: [{severity: warning, z: 4}, {severity: critical, z: 8}], escalate: [{after: 10m, severity: critical}]',
  );
  assert.deepEqual(tiers.escalate, [{ afterMs: 600_000, severity: 'critical' }]);
  assert.equal(rule('name: a').escalate, undefined, 'no key, no escalation (and the default rule is unchanged)');
});

test('escalate: invalid steps are configuration errors naming the key', () => {
  const message = (body: string): string => {
    try {
      rule(body);
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail(`no error for ${body}`);
  };
  assert.match(
    message('name: a, escalate: [{after: 0, severity: critical}]'),
    /rules\[0\]\.escalate\[0\]\.after must be a positive duration/,
  );
  assert.match(message('name: a, escalate: [{after: 5m}]'), /rules\[0\]\.escalate\[0\]\.severity/);
  assert.match(
    message('name: a, escalate: [{after: 5m, severity: warning}]'),
    /rules\[0\]\.escalate\[0\]\.severity: "warning" is the rule's lowest severity/,
  );
  assert.match(
    message('name: a, escalate: [{after: 5m, severity: critical}, {after: 5m, severity: page}]'),
    /rules\[0\]\.escalate\[1\]\.after: escalate\[0\] has the same after/,
  );
  assert.match(
    message(
      'name: a, severities: [{severity: warning, z: 4}, {severity: critical, z: 8}], escalate: [{after: 5m, severity: page}, {after: 10m, severity: critical}]',
    ),
    /rules\[0\]\.escalate\[1\]\.severity: "critical" does not rank above "page" of escalate\[0\].*warning < critical < page/,
  );
  assert.match(message('name: a, escalate: [{after: 5m, severity: critical, z: 3}]'), /rules\[0\]\.escalate\[0\]\.z is not a known key/);
});

/** The lines of the configuration error a rules list gives (a catch-all check needs the list). */
function problems(body: string): string {
  try {
    load({ file: yamlFile(`rules:\n${body}`) });
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`no error for ${body}`);
}

test('kind: slo: the workbook pairs by default, sorted by burn into tiers; durations in ms', () => {
  const r = rule('name: s, kind: slo, objective: 0.999, errors: \'req_total{code=~"5.."}\', total: req_total, group_by: [service]');
  assert.deepEqual(r.slo!.windows, [
    { longMs: 21_600_000, shortMs: 1_800_000, burn: 6, severity: 'ticket' },
    { longMs: 3_600_000, shortMs: 300_000, burn: 14.4, severity: 'page' },
  ]);
  assert.deepEqual(r.tiers, [
    { severity: 'ticket', z: 6 },
    { severity: 'page', z: 14.4 },
  ]);
  assert.equal(r.slo!.stepMs, 60_000);
  assert.deepEqual(r.slo!.groupBy, ['service']);
  assert.equal(r.slo!.good, null);
  assert.deepEqual(r.slo!.total, [{ label: '__name__', op: '=', value: 'req_total' }]);
  assert.deepEqual([r.for, r.keepFiringFor, r.rearm], [{ samples: 0 }, { samples: 0 }, 0], 'Prometheus defaults: no holds');
  const good = rule('name: s, kind: slo, objective: 0.99, good: ok_total, total: all_total, step: 30s, for: 2m, keep_firing_for: 5m');
  assert.equal(good.slo!.errors, null);
  assert.equal(good.slo!.groupBy, null, 'no group_by: every label but the name');
  assert.deepEqual([good.for, good.keepFiringFor], [{ ms: 120_000 }, { ms: 300_000 }]);
});

test('kind: slo: mistakes are configuration errors naming the key', () => {
  const base = 'name: s, kind: slo, total: t';
  assert.match(problems(`  - {${base}, errors: e}`), /rules\[0\]\.objective is required/);
  assert.match(problems(`  - {${base}, objective: 1, errors: e}`), /rules\[0\]\.objective must be a ratio in \(0, 1\)/);
  assert.match(problems(`  - {${base}, objective: 0.9}`), /rules\[0\]: an SLO rule needs errors .* or good/);
  assert.match(problems(`  - {${base}, objective: 0.9, errors: e, good: g}`), /rules\[0\]\.good: give errors or good, not both/);
  assert.match(problems(`  - {${base}, objective: 0.9, errors: 'e{'}`), /rules\[0\]\.errors/);
  assert.match(
    problems(`  - {${base}, objective: 0.9, errors: e, window: 5}`),
    /rules\[0\]\.window is not a known key \(did you mean windows\?\); allowed: name, kind, objective, errors, good, total, group_by, step/,
  );
  const pair = (w: string) => problems(`  - {${base}, objective: 0.999, errors: e, windows: [${w}]}`);
  assert.match(pair('{long: 5m, short: 1h, burn: 2, severity: a}'), /rules\[0\]\.windows\[0\]\.short must be shorter than long/);
  assert.match(
    pair('{long: 1h, short: 90s, burn: 2, severity: a}'),
    /rules\[0\]\.windows\[0\]\.short: 90000 ms \(a window\) is not a whole number of steps of 60000 ms/,
  );
  assert.match(
    pair('{long: 1h, short: 5m, burn: 1000, severity: a}'),
    /rules\[0\]\.windows\[0\]\.burn must be less than 1 \/ \(1 − objective\)/,
  );
  assert.match(
    pair('{long: 1h, short: 5m, burn: 2, severity: a}, {long: 6h, short: 30m, burn: 3, severity: a}'),
    /rules\[0\]\.windows\[1\]\.severity: "a" is already used by windows\[0\]/,
  );
  assert.match(pair('{long: 1h, short: 5m, burn: 2}'), /rules\[0\]\.windows\[0\]\.severity is required/);
  assert.match(
    problems(`  - {${base}, objective: 0.999, errors: e, step: 7m}`),
    /rules\[0\]\.step: 3600000 ms \(a window\) is not a whole number of steps/,
  );
  assert.match(
    problems(`  - {${base}, objective: 0.999, errors: e, escalate: [{after: 1h, severity: ticket}]}`),
    /rules\[0\]\.escalate\[0\]\.severity: "ticket" is the rule's lowest severity/,
  );
  assert.match(problems(`  - {${base}, objective: 0.999, errors: e, for: 3}`), /rules\[0\]\.for must be a duration/);
  assert.match(
    problems(`  - {name: all}\n  - {${base}, objective: 0.999, errors: e}\n  - {name: x, match: {name: y}}`),
    /rules\[2\]: rule "x" can never apply/,
  );
});
