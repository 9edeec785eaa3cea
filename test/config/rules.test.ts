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
