/**
 * SLO burn-rate rules against Prometheus itself: the same recorded counters go to sigmawatch's
 * `kind: slo` rules (through test-rules' runner, the engine's one path) and, as the equivalent
 * PromQL alerting rules, to the real `promtool test rules`. sigmawatch's alert state at EVERY
 * step (for every group) becomes promtool's expectations; promtool must pass them all.
 *
 * One sigmawatch rule per PromQL alert (a page pair and a ticket pair), so that each has exactly
 * one Prometheus counterpart; the two-pair rule is then checked against those per-step states.
 *
 * The inputs are chosen so that Prometheus's rate() extrapolation does not blur a crossing: every
 * series of a service is sampled at the same steps, so the extrapolation factors of the error and
 * the total rates are the same and cancel in their ratio; rates are steady within phases; and a
 * counter never restarts at a value below its per-step increase (where Prometheus stops
 * extrapolating at the counter's zero, for that series alone). What is left between the two is one
 * step's increase at a window's far edge (sigmawatch counts the increase into the first sample of
 * the window, Prometheus extrapolates from the samples inside it): crossings are kept well away
 * from a threshold at that resolution.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from './helpers.js';
import { runRuleTest } from '../../src/rule-tests/run.js';

const STEPS = 481; // 8 hours of 1-minute steps: the ticket's 6 h window fills and slides
const OBJECTIVE = 0.999;

/** Per-step increases of one series, then its values from 0 (a restart at `resets`: the value is twice that step's increase). */
function counter(increase: (step: number) => number, resets: readonly number[] = []): number[] {
  const values: number[] = [];
  let v = 0;
  for (let s = 0; s < STEPS; s++) {
    if (s > 0) v = resets.includes(s) ? 2 * increase(s) : v + increase(s);
    values.push(v);
  }
  return values;
}

/** Values as promtool's expanding notation: runs of a constant difference become `a+dxn`. */
function notation(values: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i + 1;
    const d = j < values.length ? values[j]! - values[i]! : 0;
    while (j + 1 < values.length && values[j + 1]! - values[j]! === d && d >= 0) j++;
    if (j < values.length && d >= 0) {
      out.push(`${values[i]}+${d}x${j - i}`);
      i = j + 1;
    } else {
      out.push(String(values[i]));
      i++;
    }
  }
  return out.join(' ');
}

// checkout: 1000 requests a minute; errors 1/min (burn 1), a 30/min incident (steps 120-179, burn
// 30: page and ticket), a long 8/min degradation (300-359, burn 8: ticket only); both of its
// counters restart at step 150, mid-incident. search: 500 a minute, errors 1/min (burn 2) and a
// 60/min burst (steps 400-409): a page from the short burst.
const checkoutErrors = (s: number) => (s >= 120 && s < 180 ? 30 : s >= 300 && s < 360 ? 8 : 1);
const searchErrors = (s: number) => (s >= 400 && s < 410 ? 60 : 1);
const SERIES: [string, number[]][] = [
  ['http_requests_total{service="checkout",code="200"}', counter((s) => 1000 - checkoutErrors(s), [150])],
  ['http_requests_total{service="checkout",code="500"}', counter(checkoutErrors, [150])],
  ['http_requests_total{service="search",code="200"}', counter((s) => 500 - searchErrors(s))],
  ['http_requests_total{service="search",code="503"}', counter(searchErrors)],
];

interface Pair {
  readonly alert: string;
  readonly long: string;
  readonly short: string;
  readonly burn: number;
  readonly severity: string;
  /** `for` and `keep_firing_for`, as durations both sides read. */
  readonly for: string;
  readonly keep: string;
}

/** The workbook's page and ticket pairs of a 99.9 % SLO, without holds. */
const PAIRS: readonly Pair[] = [
  { alert: 'SloPage', long: '1h', short: '5m', burn: 14.4, severity: 'page', for: '0s', keep: '0s' },
  { alert: 'SloTicket', long: '6h', short: '30m', burn: 6, severity: 'ticket', for: '0s', keep: '0s' },
];

const ERRORS = 'http_requests_total{code=~"5.."}';
const TOTAL = 'http_requests_total';
const INPUT = SERIES.map(([s, v]) => `      - series: '${s}'\n        values: '${notation(v)}'`).join('\n');

/** sigmawatch's test file: one single-pair rule per PromQL alert, and the two-pair rule of the defaults. */
const sigmawatchFile = (pairs: readonly Pair[]) => `
rules:
${pairs
  .map(
    (p) => `  - name: ${p.alert}
    kind: slo
    objective: ${OBJECTIVE}
    errors: '${ERRORS}'
    total: '${TOTAL}'
    group_by: [service]
    windows: [{long: ${p.long}, short: ${p.short}, burn: ${p.burn}, severity: ${p.severity}}]
    for: ${p.for}
    keep_firing_for: ${p.keep}`,
  )
  .join('\n')}
  - name: SloBoth
    kind: slo
    objective: ${OBJECTIVE}
    errors: '${ERRORS}'
    total: '${TOTAL}'
    group_by: [service]
tests:
  - name: cross-check
    strict: false
    input_series:
${INPUT}
`;

/** The PromQL error ratio of \`window\`, per service. */
const ratio = (window: string) => `sum by (service) (rate(${ERRORS}[${window}])) / sum by (service) (rate(${TOTAL}[${window}]))`;

/** The SRE workbook's alerting rules, one per pair. */
const prometheusRules = (pairs: readonly Pair[]) => `groups:
  - name: slo
    rules:
${pairs
  .map(
    (p) => `      - alert: ${p.alert}
        expr: (${ratio(p.long)} > ${p.burn} * (1 - ${OBJECTIVE})) and (${ratio(p.short)} > ${p.burn} * (1 - ${OBJECTIVE}))
        for: ${p.for}
        keep_firing_for: ${p.keep}
        labels: {severity: ${p.severity}}`,
  )
  .join('\n')}
`;

type States = Map<string, string>[];

/** Per step: the services whose alert of \`rule\` is firing, and at which severity (replaying the events, which are transitions). */
function firingByStep(events: ReturnType<typeof runRuleTest>['events'], rule: string): States {
  const states: States = [];
  const firing = new Map<string, string>();
  let e = 0;
  for (let step = 0; step < STEPS; step++) {
    for (; e < events.length && events[e]!.step === step; e++) {
      for (const ev of events[e]!.events) {
        if (ev.rule !== rule) continue;
        if (ev.status === 'firing') firing.set(ev.labels.service!, ev.severity);
        else firing.delete(ev.labels.service!);
      }
    }
    states.push(new Map(firing));
  }
  return states;
}

function promtool(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    execFile('promtool', args, { cwd, timeout: 120_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error("promtool is not installed: this test runs Prometheus's own rule evaluation (Debian package prometheus)"));
      } else if (error !== null && error.killed) {
        reject(new Error('promtool did not finish within 120 s'));
      } else {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, out: stdout + stderr });
      }
    });
  });
}

/**
 * Runs the scenario through sigmawatch, then hands its state of every pair's alert at every step
 * to \`promtool test rules\` as expectations, with the equivalent PromQL rules. Returns the states.
 */
async function crossCheck(pairs: readonly Pair[]): Promise<{ byPair: States[]; both: States }> {
  const file = load(sigmawatchFile(pairs));
  const result = runRuleTest(file.rules, file.tests[0]!);
  const byPair = pairs.map((p) => firingByStep(result.events, p.alert));
  const tests: string[] = [];
  for (let s = 0; s < STEPS; s++) {
    pairs.forEach((p, i) => {
      const alerts = [...byPair[i]![s]!.keys()].map((service) => `{exp_labels: {service: ${service}, severity: ${p.severity}}}`);
      tests.push(`      - {eval_time: ${s}m, alertname: ${p.alert}, exp_alerts: [${alerts.join(', ')}]}`);
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-slo-promtool-'));
  try {
    writeFileSync(join(dir, 'rules.yaml'), prometheusRules(pairs));
    writeFileSync(
      join(dir, 'test.yaml'),
      `rule_files: [rules.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n${INPUT}\n    alert_rule_test:\n${tests.join('\n')}\n`,
    );
    const check = await promtool(['check', 'rules', 'rules.yaml'], dir);
    assert.equal(check.code, 0, check.out);
    const run = await promtool(['test', 'rules', 'test.yaml'], dir);
    assert.equal(run.code, 0, `promtool disagrees with sigmawatch:\n${run.out.slice(0, 6000)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { byPair, both: firingByStep(result.events, 'SloBoth') };
}

const stepsFiring = (states: States, service: string) => states.flatMap((m, s) => (m.has(service) ? [s] : []));

test('kind: slo gives the alerts Prometheus gives for the same counters and PromQL burn-rate rules, at every step', async () => {
  const {
    byPair: [page, ticket],
    both,
  } = await crossCheck(PAIRS);
  // Not vacuous: each alert fires and clears, for each service where the scenario says so.
  assert.ok(stepsFiring(page!, 'checkout').length > 0 && stepsFiring(page!, 'search').length > 0, 'the page fires for both services');
  assert.ok(stepsFiring(ticket!, 'checkout').length > 0, 'the ticket fires for checkout');
  assert.equal(stepsFiring(ticket!, 'search').length, 0, 'a 10-minute burst is no ticket');
  assert.ok(
    stepsFiring(ticket!, 'checkout').some((s) => s >= 300),
    'the burn-8 degradation is a ticket',
  );
  assert.ok(!stepsFiring(page!, 'checkout').some((s) => s >= 300), '... and no page');
  assert.equal(page![STEPS - 1]!.size + ticket![STEPS - 1]!.size, 0, 'everything resolved by the end');

  // The two-pair rule fires exactly while either pair does, at the highest severity its episode reached.
  for (const service of ['checkout', 'search']) {
    let reached = '';
    for (let s = 0; s < STEPS; s++) {
      const any = page![s]!.has(service) || ticket![s]!.has(service);
      assert.equal(both[s]!.has(service), any, `SloBoth at step ${s} for ${service}`);
      reached = !any ? '' : page![s]!.has(service) || reached === 'page' ? 'page' : 'ticket';
      if (any) assert.equal(both[s]!.get(service), reached, `SloBoth's severity at step ${s} for ${service}`);
    }
  }
});

test('kind: slo with for and keep_firing_for holds and keeps alerts at the steps Prometheus does', async () => {
  const {
    byPair: [page, ticket],
  } = await crossCheck([
    { ...PAIRS[0]!, keep: '3m' },
    { ...PAIRS[1]!, for: '5m' },
  ]);
  assert.ok(stepsFiring(page!, 'checkout').length > 0 && stepsFiring(ticket!, 'checkout').length > 0);
});

test('the scenario holds a counter restart, and its notation expands back to the same values', () => {
  const [, checkout500] = SERIES[1]!;
  assert.ok(checkout500[150]! < checkout500[149]!, 'the counter goes down at step 150');
  assert.equal(checkout500[150], 60, 'to twice its per-step increase, not below it (see the file comment)');
  const file = load(`rules: [{name: a}]\ntests:\n  - input_series:\n      - series: 'x'\n        values: '${notation(checkout500)}'\n`);
  assert.deepEqual(file.tests[0]!.inputSeries[0]!.values, checkout500);
});
