/**
 * The PrometheusRule (deploy/base/prometheusrule.yaml) and the Grafana dashboard
 * (deploy/grafana/sigmawatch.json) ask only for what sigmawatch's /metrics really exposes: every
 * metric name, label and label value they use is checked against a live registry
 * (`createMetrics()`, rendered with `registry.metrics()`). The rules also pass
 * `promtool check rules`, and `promtool test rules` shows each alert firing on a series that
 * should page and staying quiet on a healthy worker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

import { ALERT_STATUSES, createMetrics } from '../../src/observe/metrics.js';
import { OUTCOME_NAMES } from '../../src/core/outcome.js';
import { DEAD_LETTER_REASONS } from '../../src/codec/dead-letter.js';
import { TRANSITION_NAMES } from '../../src/core/lifecycle.js';
import { DEPLOY, tempDir } from './support.js';
import { checkRules, testRules } from './promtool.js';

const RULE_FILE = join(DEPLOY, 'base', 'prometheusrule.yaml');
const DASHBOARD_FILE = join(DEPLOY, 'grafana', 'sigmawatch.json');

/** Labels that Prometheus (with the Prometheus Operator's relabelling) adds to every scraped series. */
const TARGET_LABELS = new Set(['namespace', 'job', 'pod', 'instance', 'service', 'container', 'endpoint']);

/** Metric-name tokens: sigmawatch's own, and the default Node.js/process ones. */
const METRIC_TOKEN = /\b(?:sigmawatch|process|nodejs)_[a-z0-9_]*[a-z0-9]/g;

/** The closed vocabularies of sigmawatch's labels, by metric and label. */
const LABEL_VALUES: Record<string, Record<string, readonly string[]>> = {
  sigmawatch_samples_total: { outcome: OUTCOME_NAMES },
  sigmawatch_alerts_total: { status: ALERT_STATUSES },
  sigmawatch_dead_letters_total: { reason: DEAD_LETTER_REASONS },
  sigmawatch_transitions_total: { reason: TRANSITION_NAMES },
};

interface Exposition {
  /** Family name → type and label names. */
  families: Map<string, { type: string; labels: Set<string> }>;
  /** Sample name (what PromQL selects) → its family. */
  series: Map<string, string>;
}

/** What /metrics exposes: the families of a fresh registry, and the sample names each one has. */
async function exposition(): Promise<Exposition> {
  const { registry } = createMetrics();
  const text = await registry.metrics();
  const families = new Map<string, { type: string; labels: Set<string> }>();
  const series = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    const metric = registry.getSingleMetric(name) as unknown as { labelNames?: readonly string[] } | undefined;
    families.set(name, { type, labels: new Set(metric?.labelNames ?? []) });
    const names =
      type === 'histogram'
        ? ['_bucket', '_sum', '_count'].map((s) => name + s)
        : type === 'summary'
          ? [name, `${name}_sum`, `${name}_count`]
          : [name];
    for (const n of names) series.set(n, name);
  }
  assert.ok(
    series.has('sigmawatch_records_total') && series.has('sigmawatch_batch_duration_seconds_bucket'),
    'the registry exposes sigmawatch families',
  );
  return { families, series };
}

/** The PrometheusRule's rules, from the file as written (kustomize does not change them). */
function ruleSpec(): {
  groups: {
    name: string;
    rules: { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[];
  }[];
} {
  const doc = parseYaml(readFileSync(RULE_FILE, 'utf8')) as { kind: string; spec: ReturnType<typeof ruleSpec> };
  assert.equal(doc.kind, 'PrometheusRule');
  return doc.spec;
}

interface Query {
  where: string;
  expr: string;
  /** Labels the query's result is shown by (`{{label}}` legends, `$labels.x` annotations). */
  shows: string[];
}

function dashboardQueries(): Query[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
    panels: { title: string; targets?: { expr: string; legendFormat?: string }[]; panels?: unknown[] }[];
    templating: { list: { name: string; type: string; query: unknown }[] };
  };
  const queries: Query[] = [];
  const panels = dashboard.panels.flatMap((p) => [p, ...((p.panels ?? []) as typeof dashboard.panels)]);
  for (const p of panels) {
    for (const target of p.targets ?? []) {
      const shows = [...(target.legendFormat ?? '').matchAll(/\{\{\s*([a-zA-Z_]\w*)\s*\}\}/g)].map((m) => m[1]!);
      queries.push({ where: `dashboard panel "${p.title}"`, expr: target.expr, shows });
    }
  }
  for (const v of dashboard.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query as { query: string }).query;
    // label_values(selector, label): the label is shown.
    const m = /^label_values\((.*),\s*([a-zA-Z_]\w*)\)$/.exec(q);
    assert.ok(m, `dashboard variable ${v.name}: label_values(selector, label), got ${q}`);
    queries.push({ where: `dashboard variable ${v.name}`, expr: m[1]!, shows: [m[2]!] });
  }
  return queries;
}

function ruleQueries(): Query[] {
  return ruleSpec().groups.flatMap((g) =>
    g.rules.map((r) => ({
      where: `alert ${r.alert}`,
      expr: r.expr,
      shows: Object.values(r.annotations ?? {}).flatMap((a) => [...a.matchAll(/\$labels\.([a-zA-Z_]\w*)/g)].map((m) => m[1]!)),
    })),
  );
}

/** Checks one query's metric names, selectors' labels and values, `by` labels, and shown labels. */
function checkQuery(q: Query, exp: Exposition): string[] {
  const problems: string[] = [];
  const used = new Set<string>();
  for (const [token] of q.expr.matchAll(METRIC_TOKEN)) {
    const family = exp.series.get(token);
    if (family === undefined) {
      const hint = exp.families.has(token) ? ` (a ${exp.families.get(token)!.type}: select ${token}_bucket, _sum or _count)` : '';
      problems.push(`${q.where}: ${token} is not a series /metrics exposes${hint}`);
    } else used.add(token);
  }
  // Labels a query may name: the target's, `le` of histogram buckets, and those of the metrics it uses.
  const labelsOf = (series: string): Set<string> => {
    const family = exp.families.get(exp.series.get(series)!)!;
    return new Set([...TARGET_LABELS, ...family.labels, ...(series.endsWith('_bucket') ? ['le'] : [])]);
  };
  const anyLabel = new Set([...TARGET_LABELS, ...[...used].flatMap((s) => [...labelsOf(s)])]);

  for (const m of q.expr.matchAll(/\b((?:sigmawatch|process|nodejs)_[a-z0-9_]*[a-z0-9])\s*\{([^}]*)\}/g)) {
    const [, series, matchers] = m as unknown as [string, string, string];
    if (!used.has(series)) continue;
    const allowed = labelsOf(series);
    for (const mm of matchers!.matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)) {
      const [, label, op, value] = mm as unknown as [string, string, string, string];
      if (!allowed.has(label)) problems.push(`${q.where}: ${series} has no label ${label}`);
      const vocabulary = LABEL_VALUES[exp.series.get(series)!]?.[label];
      if (vocabulary !== undefined && !value.includes('$')) {
        const values = op === '=~' || op === '!~' ? value.split('|') : [value];
        for (const v of values)
          if (!vocabulary.includes(v)) problems.push(`${q.where}: ${series}{${label}} is never "${v}" (one of ${vocabulary.join(', ')})`);
      }
    }
  }
  const byLabels = new Set<string>();
  for (const m of q.expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const label of m[1]!
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')) {
      byLabels.add(label);
      if (!anyLabel.has(label)) problems.push(`${q.where}: no metric of the query has the label ${label} it aggregates by`);
    }
  }
  for (const label of q.shows) {
    // After `sum by (...)` only those labels are left; a bare selector keeps all of its own.
    const available = byLabels.size > 0 ? byLabels : anyLabel;
    if (!available.has(label) || label === 'le') problems.push(`${q.where}: shows label ${label}, which its result does not have`);
  }
  return problems;
}

test('every metric, label and label value in the alert rules and the dashboard is one /metrics exposes', async () => {
  const exp = await exposition();
  const queries = [...ruleQueries(), ...dashboardQueries()];
  assert.ok(queries.length >= 20, `found the queries (${queries.length})`);
  const problems = queries.flatMap((q) => checkQuery(q, exp));
  assert.deepEqual(problems, []);
});

test('every sigmawatch_* name anywhere in the rule file and the dashboard (comments and text too) is one /metrics exposes', async () => {
  const exp = await exposition();
  const problems: string[] = [];
  for (const file of [RULE_FILE, DASHBOARD_FILE]) {
    for (const [token] of readFileSync(file, 'utf8').matchAll(/\bsigmawatch_[a-z_]+/g)) {
      // Prose may name a family (sigmawatch_batch_duration_seconds); queries were held to series above.
      if (!exp.series.has(token) && !exp.families.has(token)) problems.push(`${file}: ${token}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the checker itself catches a wrong name, label, value or legend', async () => {
  const exp = await exposition();
  const bad: Query[] = [
    { where: 'a', expr: 'rate(sigmawatch_sample_total[5m])', shows: [] },
    { where: 'b', expr: 'histogram_quantile(0.9, rate(sigmawatch_batch_duration_seconds[5m]))', shows: [] },
    { where: 'c', expr: 'sum(rate(sigmawatch_samples_total{result="scored"}[5m]))', shows: [] },
    { where: 'd', expr: 'sum(rate(sigmawatch_samples_total{outcome=~"scored|dropped"}[5m]))', shows: [] },
    { where: 'e', expr: 'sum by (partition) (rate(sigmawatch_records_total[5m]))', shows: [] },
    { where: 'f', expr: 'sum by (rule) (sigmawatch_alerts_firing)', shows: ['severity'] },
  ];
  for (const q of bad) assert.equal(checkQuery(q, exp).length, 1, `${q.where}: ${q.expr} -> ${JSON.stringify(checkQuery(q, exp))}`);
  assert.deepEqual(
    checkQuery(
      { where: 'ok', expr: 'sum by (rule, severity) (increase(sigmawatch_alerts_total{status="firing"}[1h]))', shows: ['rule'] },
      exp,
    ),
    [],
  );
});

test("promtool check rules accepts the PrometheusRule's groups", async (t) => {
  const dir = tempDir(t, 'deploy-promtool');
  const spec = ruleSpec();
  const checked = await checkRules(dir, 'sigmawatch.rules.yaml', spec.groups);
  const count = spec.groups.reduce((n, g) => n + g.rules.length, 0);
  assert.match(checked, new RegExp(`SUCCESS: ${count} rules found`));
});

/** One input series for `promtool test rules`, on one worker pod. */
function series(name: string, values: string, labels: Record<string, string> = {}): { series: string; values: string } {
  const all = { namespace: 'obs', job: 'sigmawatch', pod: 'sigmawatch-0', ...labels };
  return {
    series: `${name}{${Object.entries(all)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`,
    values,
  };
}

/** A worker keeping up, one sample a minute for an hour (overridden series replace these by name and labels). */
function healthy(): { series: string; values: string }[] {
  return [
    series('sigmawatch_samples_total', '0+60000x60', { outcome: 'scored' }),
    series('sigmawatch_records_total', '0+60000x60'),
    series('sigmawatch_consumer_lag', '200x60', { topic: 'sigmawatch.metrics', partition: '0' }),
    series('sigmawatch_consumer_lag', '300x60', { topic: 'sigmawatch.metrics', partition: '1' }),
    series('sigmawatch_assigned_partitions', '2x60'),
    series('sigmawatch_dead_letters_total', '0x60', { reason: 'bad_msgpack' }),
    series('sigmawatch_refused_series_total', '0x60'),
    series('sigmawatch_alerts_total', '0+2x60', { rule: 'default', severity: 'warning', status: 'firing' }),
    series('sigmawatch_flaps_total', '0+0x60', { rule: 'default' }),
    series('sigmawatch_rebalances_total', '1x60'),
    series('sigmawatch_batch_duration_seconds_bucket', '0+100x60', { le: '0.01' }),
    series('sigmawatch_batch_duration_seconds_bucket', '0+100x60', { le: '1' }),
    series('sigmawatch_batch_duration_seconds_bucket', '0+100x60', { le: '2.5' }),
    series('sigmawatch_batch_duration_seconds_bucket', '0+100x60', { le: '5' }),
    series('sigmawatch_batch_duration_seconds_bucket', '0+100x60', { le: '+Inf' }),
    series('sigmawatch_sample_to_alert_latency_seconds_bucket', '0+2x60', { le: '0.25' }),
    series('sigmawatch_sample_to_alert_latency_seconds_bucket', '0+2x60', { le: '30' }),
    series('sigmawatch_sample_to_alert_latency_seconds_bucket', '0+2x60', { le: '60' }),
    series('sigmawatch_sample_to_alert_latency_seconds_bucket', '0+2x60', { le: '+Inf' }),
  ];
}

function withSeries(overrides: { series: string; values: string }[]): { series: string; values: string }[] {
  const replaced = new Set(overrides.map((o) => o.series));
  return [...healthy().filter((s) => !replaced.has(s.series)), ...overrides];
}

test('promtool test rules: each alert fires on a worker in trouble and stays quiet on a healthy one', async (t) => {
  const spec = ruleSpec();
  const alertNames = spec.groups.flatMap((g) => g.rules.map((r) => r.alert));
  const dir = tempDir(t, 'deploy-promtool-test');
  const worker = { namespace: 'obs', job: 'sigmawatch' };
  const firing = (eval_time: string, alertname: string, labels: Record<string, string>) => ({
    eval_time,
    alertname,
    exp_alerts: [{ exp_labels: { ...worker, ...labels } }],
  });
  const cases: { name: string; input_series: { series: string; values: string }[]; alert_rule_test: unknown[] }[] = [
    {
      name: 'healthy: no alert',
      input_series: healthy(),
      alert_rule_test: alertNames.map((alertname) => ({ eval_time: '60m', alertname, exp_alerts: [] })),
    },
    {
      name: 'lag growing on both partitions',
      input_series: withSeries([
        series('sigmawatch_consumer_lag', '0+1000x60', { topic: 'sigmawatch.metrics', partition: '0' }),
        series('sigmawatch_consumer_lag', '0+1000x60', { topic: 'sigmawatch.metrics', partition: '1' }),
      ]),
      alert_rule_test: [firing('40m', 'SigmawatchConsumerLagGrowing', { topic: 'sigmawatch.metrics', severity: 'warning' })],
    },
    {
      name: 'lag high but shrinking: no alert',
      input_series: withSeries([series('sigmawatch_consumer_lag', '100000-1000x60', { topic: 'sigmawatch.metrics', partition: '0' })]),
      alert_rule_test: [{ eval_time: '40m', alertname: 'SigmawatchConsumerLagGrowing', exp_alerts: [] }],
    },
    {
      name: 'no samples processed',
      input_series: withSeries([
        series('sigmawatch_samples_total', '60000x60', { outcome: 'scored' }),
        series('sigmawatch_records_total', '60000x60'),
      ]),
      alert_rule_test: [firing('30m', 'SigmawatchNoSamplesProcessed', { severity: 'critical' })],
    },
    {
      name: 'no partition assigned',
      input_series: withSeries([series('sigmawatch_assigned_partitions', '0x60')]),
      alert_rule_test: [firing('30m', 'SigmawatchNoPartitionsAssigned', { severity: 'critical' })],
    },
    {
      name: 'dead letters',
      input_series: withSeries([series('sigmawatch_dead_letters_total', '0+5x60', { reason: 'bad_msgpack' })]),
      alert_rule_test: [firing('30m', 'SigmawatchDeadLetters', { reason: 'bad_msgpack', severity: 'warning' })],
    },
    {
      name: 'refused series',
      input_series: withSeries([series('sigmawatch_refused_series_total', '0+10x60')]),
      alert_rule_test: [firing('30m', 'SigmawatchRefusingSeries', { severity: 'warning' })],
    },
    {
      name: 'a rule that flaps',
      input_series: withSeries([
        series('sigmawatch_flaps_total', '0+1x60', { rule: 'default' }),
        series('sigmawatch_alerts_total', '0+1x60', { rule: 'default', severity: 'warning', status: 'firing' }),
      ]),
      alert_rule_test: [firing('45m', 'SigmawatchRuleFlapping', { rule: 'default', severity: 'warning' })],
    },
    {
      name: 'a few flaps among many alerts: no alert',
      input_series: withSeries([
        series('sigmawatch_flaps_total', '0+1x60', { rule: 'default' }),
        series('sigmawatch_alerts_total', '0+10x60', { rule: 'default', severity: 'warning', status: 'firing' }),
      ]),
      alert_rule_test: [{ eval_time: '45m', alertname: 'SigmawatchRuleFlapping', exp_alerts: [] }],
    },
    {
      name: 'slow batches',
      input_series: withSeries([
        // Most batches take 1 to 2.5 s.
        series('sigmawatch_batch_duration_seconds_bucket', '0+10x60', { le: '0.01' }),
        series('sigmawatch_batch_duration_seconds_bucket', '0+10x60', { le: '1' }),
      ]),
      alert_rule_test: [firing('30m', 'SigmawatchSlowBatches', { severity: 'warning' })],
    },
    {
      name: 'slow alerts',
      input_series: withSeries([
        // Every alert 30 to 60 s after its sample.
        series('sigmawatch_sample_to_alert_latency_seconds_bucket', '0x60', { le: '0.25' }),
        series('sigmawatch_sample_to_alert_latency_seconds_bucket', '0x60', { le: '30' }),
      ]),
      alert_rule_test: [firing('60m', 'SigmawatchSlowAlerts', { severity: 'warning' })],
    },
    {
      name: 'frequent rebalances',
      input_series: withSeries([series('sigmawatch_rebalances_total', '0+1x60')]),
      alert_rule_test: [firing('40m', 'SigmawatchFrequentRebalances', { severity: 'warning' })],
    },
  ];
  // Every alert has a case in which it fires.
  const covered = new Set(
    cases
      .flatMap((c) => c.alert_rule_test as { alertname: string; exp_alerts: unknown[] }[])
      .filter((a) => a.exp_alerts.length > 0)
      .map((a) => a.alertname),
  );
  assert.deepEqual(
    alertNames.filter((a) => !covered.has(a)),
    [],
    'every alert has a firing case',
  );

  await testRules(dir, spec.groups, cases);
});
