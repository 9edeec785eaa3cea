/**
 * One rule as written in YAML (snake_case, every key but `name` optional) → the core's `Rule`
 * (defaults filled, matchers compiled, durations in ms). The keys: README.md, "Configuration reference".
 */

import { z } from 'zod';
import type { Baseline, Direction, Escalation, Hold, LabelMatcher, Rule, SeverityTier, StdFloor } from '../core/rule.js';
import { parseSelector } from '../core/matcher.js';
import { MAX_RULES } from '../core/store.js';
import {
  bool,
  hold,
  int,
  labelMap,
  mustBe,
  nonEmptyString,
  nonNegative,
  note,
  oneOf,
  positive,
  regex,
  sentence,
  strict,
} from './fields.js';
import { isPlainObject } from './sources.js';
import { checkEscalations, sortedEscalations } from './escalate-schema.js';
import { alertFields } from './alert-fields.js';
import { sloRuleSchema } from './slo-rule-schema.js';

/** The values a rule gets for keys it leaves out; config/default.yaml spells out the same. */
export const RULE_DEFAULTS = Object.freeze({
  window: 120,
  z: 6,
  severity: 'warning',
  direction: 'both' as Direction,
  stdFloor: Object.freeze({ absolute: 1e-9, relative: 1e-9 }) as StdFloor,
  multiWindow: false,
  baseline: 'include' as Baseline,
  for: Object.freeze({ samples: 0 }) as Hold,
  keepFiringFor: Object.freeze({ samples: 100 }) as Hold,
  repeatMs: 0,
  memory: 3000,
  rearm: 2,
});

/** What `likelihood: {}` fills in. */
export const LIKELIHOOD_DEFAULTS = Object.freeze({ window: 20, probability: 1e-6, memory: 5000, minSamples: 300 });

/** What `seasonality: {}` fills in. */
export const SEASONALITY_DEFAULTS = Object.freeze({ buckets: 24, days: 3, explains: 0.5, memory: 2000 });

/**
 * A quarter of the long window (30 for the default 120), at least 1. It scales with `window`,
 * unlike a fixed 30, so `window: 20` gets 5 rather than a short window almost as long as the long one.
 */
export const defaultShortWindow = (window: number): number => Math.max(1, Math.floor(window / 4));

/** 30 (fewer samples give too noisy a std for a z of 6), or the whole window when it is shorter. */
export const defaultMinSamples = (window: number): number => Math.min(30, window);

const SELECTOR_HELP = 'a selector string like http_requests_total{env="prod",code=~"5.."}';

/** parseSelector checks the syntax and compiles the regexes; its message says where and why. */
const selector = () =>
  z.string({ error: SELECTOR_HELP }).superRefine((text, ctx) => {
    try {
      parseSelector(text);
    } catch (err) {
      note(ctx, [], (err as Error).message);
    }
  });

const match = () =>
  strict(
    {
      name: nonEmptyString('a metric name (a non-empty string)').optional(),
      name_regex: regex('a regular expression on the metric name').optional(),
      labels: labelMap('a map of label name to exact value').optional(),
      selector: selector().optional(),
    },
    'a map with any of name, name_regex, labels, selector (all must hold; {} matches every series)',
  );

const tier = () => strict({ severity: nonEmptyString(), z: positive() }, 'a map {severity: <name>, z: <threshold>}');

/** Keys the cross-field checks read: they run only when these parsed cleanly. */
const CROSS_FIELD_KEYS = new Set<PropertyKey>(['window', 'short_window', 'min_samples', 'z', 'severity', 'severities', 'escalate']);

export const ruleSchema = strict(
  {
    name: nonEmptyString(),
    /** `slo` rules have their own schema (config/slo-rule-schema.ts); this one is the default kind. */
    kind: oneOf(['anomaly', 'slo']).optional(),
    match: match().optional(),
    window: int(2, 65535).optional(),
    short_window: int(1).optional(),
    min_samples: int(2).optional(),
    memory: int(0, 10_000_000).optional(),
    likelihood: z
      .union(
        [
          z.literal(false),
          strict(
            {
              window: int(1, 10_000).optional(),
              probability: z
                .number({ error: 'a tail probability in (0, 0.5)' })
                .gt(0, { error: 'a tail probability in (0, 0.5)' })
                .lt(0.5, { error: 'a tail probability in (0, 0.5)' })
                .optional(),
              memory: int(2, 10_000_000).optional(),
              min_samples: int(1).optional(),
            },
            'a map {window, probability, memory, min_samples} (all optional)',
          ),
        ],
        { error: 'false (off), or a map {window, probability, memory, min_samples} (all optional)' },
      )
      .optional(),
    seasonality: z
      .union(
        [
          z.literal(false),
          strict(
            {
              buckets: int(2, 1440).optional(),
              days: positive().optional(),
              explains: z
                .number({ error: 'a fraction in (0, 1]' })
                .gt(0, { error: 'a fraction in (0, 1]' })
                .max(1, { error: 'a fraction in (0, 1]' })
                .optional(),
              memory: int(2, 10_000_000).optional(),
            },
            'a map {buckets, days, explains, memory} (all optional)',
          ),
        ],
        { error: 'false (off), or a map {buckets, days, explains, memory} (all optional)' },
      )
      .optional(),
    z: positive().optional(),
    severity: nonEmptyString().optional(),
    severities: z
      .array(tier(), { error: 'a list of {severity, z} tiers, lowest z first' })
      .min(1, { error: 'a list of at least one {severity, z} tier' })
      .optional(),
    direction: oneOf(['up', 'down', 'both']).optional(),
    std_floor: strict(
      { absolute: nonNegative().optional(), relative: nonNegative().optional() },
      'a map {absolute: <number ≥ 0>, relative: <number ≥ 0>}',
    ).optional(),
    multi_window: bool().optional(),
    baseline: oneOf(['include', 'exclude_anomalies']).optional(),
    for: hold().optional(),
    keep_firing_for: hold().optional(),
    rearm: z
      .union([z.literal(0), z.number({ error: 'a factor ≥ 1, or 0 (never)' }).min(1, { error: 'a factor ≥ 1, or 0 (never)' })])
      .optional(),
    ...alertFields(),
  },
  'a map (a rule with at least a name)',
)
  .superRefine(
    (r, ctx) => {
      const window = r.window ?? RULE_DEFAULTS.window;
      if (r.short_window !== undefined && r.short_window >= window) {
        sentence(ctx, ['short_window'], mustBe(`less than window (${window})`, r.short_window));
      }
      if (r.min_samples !== undefined && r.min_samples > window) {
        sentence(ctx, ['min_samples'], mustBe(`an integer from 2 to window (${window})`, r.min_samples));
      }
      if (r.severities !== undefined) {
        if (r.z !== undefined || r.severity !== undefined) {
          note(ctx, ['severities'], 'give either severities or z + severity (one tier), not both');
        }
        r.severities.forEach((t, i) => {
          if (i === 0) return;
          const prev = r.severities![i - 1]!;
          if (t.z <= prev.z) {
            sentence(
              ctx,
              ['severities', i, 'z'],
              `${mustBe(`greater than severities[${i - 1}].z (${prev.z})`, t.z)}; list tiers from the lowest z to the highest`,
            );
          }
          const first = r.severities!.findIndex((o) => o.severity === t.severity);
          if (first < i) {
            sentence(
              ctx,
              ['severities', i, 'severity'],
              `${JSON.stringify(t.severity)} is already used by severities[${first}]; each tier needs its own severity`,
            );
          }
        });
      }
      if (r.escalate !== undefined) {
        const tiers = r.severities?.map((t) => t.severity) ?? [r.severity ?? RULE_DEFAULTS.severity];
        checkEscalations(tiers, r.escalate, ctx);
      }
    },
    { when: (p) => isPlainObject(p.value) && !p.issues.some((i) => CROSS_FIELD_KEYS.has(i.path?.[0] ?? '')) },
  )
  .transform((r): Rule => {
    const window = r.window ?? RULE_DEFAULTS.window;
    const tiers: SeverityTier[] = r.severities ?? [{ severity: r.severity ?? RULE_DEFAULTS.severity, z: r.z ?? RULE_DEFAULTS.z }];
    return {
      name: r.name,
      matchers: r.match === undefined ? [] : matchersOf(r.match),
      window,
      shortWindow: r.short_window ?? defaultShortWindow(window),
      minSamples: r.min_samples ?? defaultMinSamples(window),
      memory: r.memory ?? RULE_DEFAULTS.memory,
      likelihood:
        r.likelihood === false
          ? null
          : {
              window: r.likelihood?.window ?? LIKELIHOOD_DEFAULTS.window,
              probability: r.likelihood?.probability ?? LIKELIHOOD_DEFAULTS.probability,
              memory: r.likelihood?.memory ?? LIKELIHOOD_DEFAULTS.memory,
              minSamples: r.likelihood?.min_samples ?? LIKELIHOOD_DEFAULTS.minSamples,
            },
      seasonality:
        r.seasonality === false
          ? null
          : {
              buckets: r.seasonality?.buckets ?? SEASONALITY_DEFAULTS.buckets,
              days: r.seasonality?.days ?? SEASONALITY_DEFAULTS.days,
              explains: r.seasonality?.explains ?? SEASONALITY_DEFAULTS.explains,
              memory: r.seasonality?.memory ?? SEASONALITY_DEFAULTS.memory,
            },
      direction: r.direction ?? RULE_DEFAULTS.direction,
      tiers,
      stdFloor: {
        absolute: r.std_floor?.absolute ?? RULE_DEFAULTS.stdFloor.absolute,
        relative: r.std_floor?.relative ?? RULE_DEFAULTS.stdFloor.relative,
      },
      multiWindow: r.multi_window ?? RULE_DEFAULTS.multiWindow,
      baseline: r.baseline ?? RULE_DEFAULTS.baseline,
      for: r.for ?? RULE_DEFAULTS.for,
      keepFiringFor: r.keep_firing_for ?? RULE_DEFAULTS.keepFiringFor,
      rearm: r.rearm ?? RULE_DEFAULTS.rearm,
      repeatMs: r.repeat ?? RULE_DEFAULTS.repeatMs,
      ...(r.escalate === undefined || r.escalate.length === 0
        ? {}
        : { escalate: sortedEscalations(r.escalate).map(({ step }): Escalation => ({ afterMs: step.after, severity: step.severity })) }),
      labels: r.labels ?? {},
      annotations: r.annotations ?? {},
    };
  });

interface MatchInput {
  name?: string | undefined;
  name_regex?: string | undefined;
  labels?: Record<string, string> | undefined;
  selector?: string | undefined;
}

/** All ANDed; the metric name is the label `__name__`, as in Prometheus. */
function matchersOf(m: MatchInput): LabelMatcher[] {
  const out: LabelMatcher[] = [];
  if (m.name !== undefined) out.push({ label: '__name__', op: '=', value: m.name });
  if (m.name_regex !== undefined) out.push({ label: '__name__', op: '=~', value: m.name_regex });
  for (const [label, value] of Object.entries(m.labels ?? {})) out.push({ label, op: '=', value });
  if (m.selector !== undefined) out.push(...parseSelector(m.selector));
  return out;
}

/** The store keeps a rule index per series in a byte, 255 meaning "no rule". */
export const MAX_RULE_COUNT = MAX_RULES - 1;

/**
 * A rule of either kind: `kind: slo` is read by the SLO schema (its own keys), anything else by
 * ruleSchema. Their issues keep their paths (the array prefixes the rule's index).
 */
const anyRule = z.unknown().transform((value, ctx): Rule => {
  const schema = isPlainObject(value) && value.kind === 'slo' ? sloRuleSchema : ruleSchema;
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.issues.push(issue as never);
  // The raw rule stays in the list (the parse has failed anyway), so that the duplicate-name check still reads its name.
  return value as Rule;
});

export const rulesSchema = z
  .array(anyRule, { error: 'a list of rules' })
  .min(1, { error: 'a list of at least one rule (nothing is detected without one)' })
  .max(MAX_RULE_COUNT, { error: `a list of at most ${MAX_RULE_COUNT} rules` })
  .superRefine(
    (rules, ctx) => {
      if (!Array.isArray(rules)) return; // `when` runs this even after a type error
      const seen = new Map<string, number>();
      rules.forEach((r, i) => {
        const name = isPlainObject(r) ? r.name : undefined; // elements that failed are raw input
        if (typeof name !== 'string' || name === '') return;
        const first = seen.get(name);
        if (first === undefined) seen.set(name, i);
        else sentence(ctx, [i, 'name'], `${JSON.stringify(name)} is already used by rules[${first}]; rule names must be unique`);
      });
    },
    // Run even when some rules have other problems: a duplicate name is worth reporting with them.
    { when: () => true },
  )
  .superRefine(
    (rules, ctx) => {
      // The first matching rule applies (core/detector.ts), so nothing after a catch-all ever does.
      // SLO rules stand outside that order (they count the series whatever scores it).
      const catchAll = rules.findIndex((r) => r.slo === undefined && r.matchers.length === 0);
      const after = rules.findIndex((r, i) => i > catchAll && r.slo === undefined);
      if (catchAll !== -1 && after !== -1) {
        note(
          ctx,
          [after],
          `rule ${JSON.stringify(rules[after]!.name)} can never apply: rules[${catchAll}] (${JSON.stringify(rules[catchAll]!.name)}) matches every series and the first matching rule wins; put the catch-all last`,
        );
      }
    },
    { when: (payload) => payload.issues.length === 0 },
  ); // reads the compiled rules
