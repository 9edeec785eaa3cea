/**
 * A rule test file (YAML) → a checked, typed `RuleTestFile`. The format is in README.md.
 *
 * Validation reuses the configuration's machinery, so a test file's mistakes read like a config's:
 * the same zod rule schema (`rulesSchema`) for inline `rules`, the same loader (`loadConfig`) for
 * `rule_files`, and the same issue lines (`file:line:col: tests[0].interval must be …`), all
 * reported at once in a `ConfigError` (exit code 2).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { ALERT_REASON_NAMES, type AlertReasonName as AlertReason } from '../core/alert-queue.js';
import type { Rule } from '../core/rule.js';
import { formatSeriesId, parseSeriesId } from '../codec/series-id.js';
import { formatDuration } from '../config/duration.js';
import { loadConfig } from '../config/load.js';
import { ConfigError, formatPath, type ConfigIssue, type PathSegment } from '../config/errors.js';
import { bool, duration, int, labelMap, nonEmptyString, oneOf, strict } from '../config/fields.js';
import { toConfigIssues } from '../config/issues.js';
import { rulesSchema } from '../config/rule-schema.js';
import { describeOrigin, Provenance, readYamlFile } from '../config/sources.js';
import { didYouMean } from '../config/suggest.js';
import { expandSeries, MAX_STEPS, SeriesNotationError, type StepValue } from './series-notation.js';

/** One expected alert event. Every field given must match; fields left out are not checked. */
export interface ExpectedAlert {
  readonly status?: 'firing' | 'resolved';
  readonly reason?: AlertReason;
  readonly severity?: string;
  readonly rule?: string;
  /** Canonical series id. */
  readonly series?: string;
  readonly name?: string;
  /** The whole label set of the event: the series' labels plus the rule's. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The whole set of rendered annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly value?: number;
  /** The step at which the episode became pending (the event's startsAt ÷ interval). */
  readonly startsAtStep?: number;
}

export interface StepExpectation {
  readonly step: number;
  /** The events expected at this step, in any order; [] = none. */
  readonly alerts: readonly ExpectedAlert[];
}

export interface InputSeries {
  /** Canonical series id: the key the samples are fed under. */
  readonly series: string;
  /** One entry per step; null = no sample at that step. */
  readonly values: readonly StepValue[];
}

export interface RuleTest {
  readonly name: string;
  /** Step length in sample time: step i is at ts = i × intervalMs. */
  readonly intervalMs: number;
  /** 0 = never evict; else series idle for longer than this are evicted after each step. */
  readonly idleTimeoutMs: number;
  /** Events at steps not listed in `expectations` are failures. */
  readonly strict: boolean;
  readonly inputSeries: readonly InputSeries[];
  /** Sorted by step, one entry per step. */
  readonly expectations: readonly StepExpectation[];
  /** Steps to run: past the last sample and the last listed step. */
  readonly steps: number;
}

export interface RuleTestFile {
  readonly file: string;
  readonly rules: readonly Rule[];
  readonly tests: readonly RuleTest[];
}

export const DEFAULT_INTERVAL_MS = 60_000;

const REASONS = ALERT_REASON_NAMES;

const SERIES_HELP = 'a series id like http_latency_seconds{service="api"}';

/** A series id as written (any label order, spaces outside label values) → its canonical form. */
const seriesId = () =>
  z.string({ error: SERIES_HELP }).transform((text, ctx) => {
    try {
      const { name, labels } = parseSeriesId(withoutSpaces(text));
      return formatSeriesId(name, labels);
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: (err as Error).message, input: text, params: { kind: 'note' } });
      return z.NEVER;
    }
  });

const VALUES_HELP = 'a string in expanding notation, like "100+0x30 400 _ 100x10"';

const seriesValues = () =>
  z.union([z.string(), z.number()], { error: VALUES_HELP }).transform((raw, ctx) => {
    const text = String(raw);
    try {
      const values = expandSeries(text);
      if (values.length > 0) return values;
      ctx.issues.push({
        code: 'custom',
        message: `must hold at least one step, got ${JSON.stringify(text)}`,
        input: raw,
        params: { kind: 'sentence' },
      });
    } catch (err) {
      if (!(err instanceof SeriesNotationError)) throw err;
      ctx.issues.push({ code: 'custom', message: err.message, input: raw, params: { kind: 'note' } });
    }
    return z.NEVER;
  });

const expectedAlert = strict(
  {
    status: oneOf(['firing', 'resolved']).optional(),
    reason: oneOf(REASONS).optional(),
    severity: nonEmptyString().optional(),
    rule: nonEmptyString().optional(),
    series: seriesId().optional(),
    name: nonEmptyString().optional(),
    labels: labelMap('a map of label name to value (every label of the alert)').optional(),
    annotations: z.record(z.string(), z.string({ error: 'a string' }), { error: 'a map of annotation name to text' }).optional(),
    value: z.number({ error: 'a number' }).optional(),
    starts_at_step: int(0).optional(),
  },
  'a map of expected alert fields (status, reason, severity, rule, series, name, labels, annotations, value, starts_at_step)',
);

const stepCase = strict(
  {
    eval_step: int(0).optional(),
    eval_time: duration(true).optional(),
    alerts: z.array(expectedAlert, { error: 'a list of expected alert events ([] for none)' }).optional(),
  },
  'a map {eval_step: <step>, alerts: [<expected alert>, ...]}',
);

const inputSeries = strict(
  { series: seriesId(), values: seriesValues() },
  'a map {series: <series id>, values: <values in expanding notation>}',
);

const testCase = strict(
  {
    name: nonEmptyString().optional(),
    interval: duration(false).optional(),
    idle_timeout: duration(true).optional(),
    strict: bool().optional(),
    input_series: z
      .array(inputSeries, { error: 'a list of {series, values}' })
      .min(1, { error: 'a list of at least one {series, values}' }),
    alert_rule_test: z.array(stepCase, { error: 'a list of {eval_step, alerts}' }).optional(),
  },
  'a map (a test with input_series and alert_rule_test)',
);

const testFileSchema = strict(
  {
    rule_files: z
      .array(nonEmptyString('a file path'), { error: 'a list of configuration files (paths relative to this file)' })
      .min(1, { error: 'a list of at least one configuration file' })
      .optional(),
    rules: rulesSchema.optional(),
    evaluation_interval: duration(false).optional(),
    tests: z.array(testCase, { error: 'a list of tests' }).min(1, { error: 'a list of at least one test' }),
  },
  'a map with rules (or rule_files), evaluation_interval and tests',
);

type ParsedFile = z.output<typeof testFileSchema>;
type ParsedTest = ParsedFile['tests'][number];

/** Reads, validates and expands a test file. Throws `ConfigError` listing every problem. */
export function loadRuleTestFile(file: string): RuleTestFile {
  const issues: ConfigIssue[] = [];
  if (!existsSync(file)) throw new ConfigError([{ source: file, path: [], message: 'cannot read the test file: no such file' }]);
  if (statSync(file).isDirectory())
    throw new ConfigError([{ source: file, path: [], message: 'cannot read the test file: it is a directory' }]);
  const layer = readYamlFile(file, issues);
  if (layer === undefined) throw new ConfigError(issues);
  const prov = new Provenance();
  prov.set([], layer.origin);
  const result = testFileSchema.safeParse(layer.tree, { reportInput: true });
  if (!result.success) throw new ConfigError(toConfigIssues(result.error.issues, prov));

  const data = result.data;
  /** A problem at `path`, reported like the schema's (`file:line:col: <path> <message>`). */
  const problem = (path: PathSegment[], message: string, atKey = false): void => {
    const text = path.length === 0 ? message : `${formatPath(path)} ${message}`;
    issues.push({ source: describeOrigin(prov.find(path), path, atKey), path, message: text });
  };

  let rules: readonly Rule[] = [];
  if (data.rules !== undefined && data.rule_files !== undefined) {
    problem(['rule_files'], 'cannot be given with rules: give the rules inline or in files, not both', true);
  } else if (data.rules !== undefined) {
    rules = data.rules;
  } else if (data.rule_files !== undefined) {
    rules = loadRuleFiles(file, data.rule_files, problem, issues);
  } else {
    problem([], 'the file needs rules (a list of rules, as in a configuration) or rule_files (configuration files holding them)');
  }

  const defaultInterval = data.evaluation_interval ?? DEFAULT_INTERVAL_MS;
  const ruleNames = rules.map((r) => r.name);
  const tests = data.tests.map((t, i) => checkTest(t, i, defaultInterval, ruleNames, problem));
  if (issues.length > 0) throw new ConfigError(issues);
  return { file, rules, tests };
}

type Problem = (path: PathSegment[], message: string, atKey?: boolean) => void;

/**
 * Each rule file is a sigmawatch configuration, loaded exactly as `sigmawatch run --config FILE`
 * loads it (over config/default.yaml, every section validated) but without the environment, so
 * that a test means the same on every machine. Their rule lists are concatenated in order.
 */
function loadRuleFiles(testFile: string, files: readonly string[], problem: Problem, issues: ConfigIssue[]): Rule[] {
  const rules: Rule[] = [];
  const from = new Map<string, number>();
  files.forEach((name, i) => {
    const path = displayPath(resolve(dirname(testFile), name));
    const probe: ConfigIssue[] = [];
    const layer = existsSync(path) ? readYamlFile(path, probe) : undefined;
    if (layer === undefined) {
      problem(
        ['rule_files', i],
        `cannot read ${JSON.stringify(path)}${probe.length > 0 ? `: ${probe.map((p) => p.message).join('; ')}` : ': no such file'}`,
      );
      return;
    }
    if (!('rules' in layer.tree)) {
      problem(['rule_files', i], `names ${JSON.stringify(path)}, which has no rules: section (it would test the default rule)`);
      return;
    }
    try {
      for (const rule of loadConfig({ file: path, env: {} }).rules) {
        const first = from.get(rule.name);
        if (first !== undefined) {
          problem(
            ['rule_files', i],
            `defines rule ${JSON.stringify(rule.name)}, already defined by rule_files[${first}]; rule names must be unique`,
          );
        } else {
          from.set(rule.name, i);
          rules.push(rule);
        }
      }
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problem(['rule_files', i], `names ${JSON.stringify(path)}, an invalid configuration:`);
      issues.push(...err.issues);
    }
  });
  return rules;
}

function checkTest(t: ParsedTest, i: number, defaultInterval: number, ruleNames: readonly string[], problem: Problem): RuleTest {
  const at = (...rest: PathSegment[]): PathSegment[] => ['tests', i, ...rest];
  const intervalMs = t.interval ?? defaultInterval;

  const seen = new Map<string, number>();
  t.input_series.forEach((s, j) => {
    const first = seen.get(s.series);
    if (first !== undefined)
      problem(
        at('input_series', j, 'series'),
        `${JSON.stringify(s.series)} is already given by input_series[${first}]; give each series once`,
      );
    else seen.set(s.series, j);
  });

  const byStep = new Map<number, number>();
  const expectations: StepExpectation[] = [];
  (t.alert_rule_test ?? []).forEach((c, j) => {
    let step: number | undefined;
    if (c.eval_step !== undefined && c.eval_time !== undefined) {
      problem(at('alert_rule_test', j), 'gives both eval_step and eval_time; give one');
    } else if (c.eval_step !== undefined) {
      step = c.eval_step;
    } else if (c.eval_time !== undefined) {
      if (c.eval_time % intervalMs !== 0) {
        problem(
          at('alert_rule_test', j, 'eval_time'),
          `must be a whole number of steps (a multiple of the interval, ${formatDuration(intervalMs)}), got ${formatDuration(c.eval_time)}`,
        );
      } else step = c.eval_time / intervalMs;
    } else {
      problem(at('alert_rule_test', j), 'needs eval_step (a step number from 0) or eval_time (a duration from 0)');
    }
    if (step === undefined) return;
    if (step >= MAX_STEPS) {
      problem(at('alert_rule_test', j), `is at step ${step}; a test runs at most ${MAX_STEPS} steps`);
      return;
    }
    const first = byStep.get(step);
    if (first !== undefined) {
      problem(
        at('alert_rule_test', j),
        `checks step ${step}, already checked by alert_rule_test[${first}]; list all the alerts of a step in one entry`,
      );
      return;
    }
    byStep.set(step, j);
    (c.alerts ?? []).forEach((a, k) => {
      if (a.rule !== undefined && ruleNames.length > 0 && !ruleNames.includes(a.rule)) {
        const guess = didYouMean(a.rule, ruleNames);
        problem(
          at('alert_rule_test', j, 'alerts', k, 'rule'),
          `${JSON.stringify(a.rule)} is not a rule of this test file${guess === undefined ? '' : ` (did you mean ${guess}?)`}; rules: ${ruleNames.join(', ')}`,
        );
      }
    });
    expectations.push({ step, alerts: (c.alerts ?? []).map(expected) });
  });
  expectations.sort((a, b) => a.step - b.step);

  const inputSeriesList = t.input_series.map((s) => ({ series: s.series, values: s.values }));
  const lastSample = Math.max(...inputSeriesList.map((s) => s.values.length));
  const lastChecked = expectations.length > 0 ? expectations[expectations.length - 1]!.step + 1 : 0;
  return {
    name: t.name ?? `tests[${i}]`,
    intervalMs,
    idleTimeoutMs: t.idle_timeout ?? 0,
    strict: t.strict ?? true,
    inputSeries: inputSeriesList,
    expectations,
    steps: Math.max(lastSample, lastChecked),
  };
}

function expected(a: z.output<typeof expectedAlert>): ExpectedAlert {
  const { starts_at_step, ...rest } = a;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
  if (starts_at_step !== undefined) out.startsAtStep = starts_at_step;
  return out as ExpectedAlert;
}

/**
 * `m{a="x y", b="1"}` → `m{a="x y",b="1"}`: promtool's series are written with spaces after
 * commas; series ids have none. Whitespace inside quoted label values is kept.
 */
function withoutSpaces(text: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '\\') {
      out += c + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (quoted || !/\s/.test(c)) out += c;
  }
  return out;
}

/** Relative to the working directory when below it: shorter in messages. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
