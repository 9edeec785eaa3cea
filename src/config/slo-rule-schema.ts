/**
 * A `kind: slo` rule as written in YAML → the core's `Rule` with its `slo` spec (core/slo.ts
 * evaluates it). The keys: README.md, "SLO burn-rate rules". The anomaly fields of the Rule get
 * fixed values the SLO path never reads (the detector sizes its per-series state by the anomaly
 * rules only); its severity tiers are the window pairs' severities by ascending burn, which is
 * what the alert events and `escalate` rank.
 */

import { z } from 'zod';
import type { Escalation, Hold, LabelMatcher, Rule, SloWindowPair } from '../core/rule.js';
import { parseSelector } from '../core/matcher.js';
import { duration, labelName, mustBe, nonEmptyString, note, positive, sentence, strict } from './fields.js';
import { isPlainObject } from './sources.js';
import { checkEscalations, sortedEscalations } from './escalate-schema.js';
import { alertFields } from './alert-fields.js';

const MINUTE = 60_000;

/** The SRE workbook's pairs for a page and for a ticket (a 99.9 % SLO's 2 % and 5 % of budget), used when `windows` is left out. */
export const SLO_DEFAULT_WINDOWS: readonly WindowInput[] = Object.freeze([
  Object.freeze({ long: 60 * MINUTE, short: 5 * MINUTE, burn: 14.4, severity: 'page' }),
  Object.freeze({ long: 360 * MINUTE, short: 30 * MINUTE, burn: 6, severity: 'ticket' }),
]);

interface WindowInput {
  readonly long: number;
  readonly short: number;
  readonly burn: number;
  readonly severity: string;
}

/** A ring of this many steps per group is 1.6 MB; longer windows want a longer step. */
export const MAX_SLO_STEPS = 100_000;

const SELECTOR_HELP = 'a selector string like http_requests_total{code=~"5.."}';

const selector = () =>
  z.string({ error: SELECTOR_HELP }).transform((text, ctx): LabelMatcher[] => {
    try {
      return parseSelector(text);
    } catch (err) {
      note(ctx, [], (err as Error).message);
      return z.NEVER;
    }
  });

const windowPair = () =>
  strict(
    { long: duration(false), short: duration(false), burn: positive(), severity: nonEmptyString() },
    'a map {long: <duration>, short: <duration>, burn: <factor>, severity: <name>}',
  );

export const sloRuleSchema = strict(
  {
    name: nonEmptyString(),
    kind: z.literal('slo', { error: 'slo' }),
    objective: z
      .number({ error: 'a ratio in (0, 1), such as 0.999' })
      .gt(0, { error: 'a ratio in (0, 1), such as 0.999' })
      .lt(1, { error: 'a ratio in (0, 1), such as 0.999' }),
    errors: selector().optional(),
    good: selector().optional(),
    total: selector(),
    group_by: z.array(labelName(), { error: 'a list of label names' }).optional(),
    step: duration(false).optional(),
    windows: z
      .array(windowPair(), { error: 'a list of {long, short, burn, severity} window pairs' })
      .min(1, { error: 'a list of at least one {long, short, burn, severity} window pair' })
      .optional(),
    for: duration(true).optional(),
    keep_firing_for: duration(true).optional(),
    ...alertFields(),
  },
  'a map (an SLO rule: name, kind: slo, objective, errors or good, total, ...)',
)
  .superRefine(
    (r, ctx) => {
      if ((r.errors === undefined) === (r.good === undefined)) {
        note(
          ctx,
          r.errors === undefined ? [] : ['good'],
          r.errors === undefined
            ? 'an SLO rule needs errors (a selector of bad-event counters) or good (of good-event counters)'
            : 'give errors or good, not both',
        );
      }
      const step = r.step ?? MINUTE;
      const budget = 1 - r.objective;
      const windows = r.windows ?? SLO_DEFAULT_WINDOWS;
      // The default pairs are checked against `step` too, and blamed on it.
      const at = (i: number, key: string): (string | number)[] => (r.windows === undefined ? ['step'] : ['windows', i, key]);
      windows.forEach((w, i) => {
        if (w.short >= w.long) sentence(ctx, ['windows', i, 'short'], mustBe(`shorter than long (${w.long} ms)`, w.short));
        for (const key of ['long', 'short'] as const) {
          if (w[key] % step !== 0) note(ctx, at(i, key), `${w[key]} ms (a window) is not a whole number of steps of ${step} ms`);
          else if (w[key] / step > MAX_SLO_STEPS)
            note(ctx, at(i, key), `${w[key]} ms (a window) is more than ${MAX_SLO_STEPS} steps of ${step} ms: use a longer step`);
        }
        // An error ratio is at most 1: a threshold at or above it never breaches.
        if (w.burn * budget >= 1)
          sentence(ctx, ['windows', i, 'burn'], mustBe(`less than 1 / (1 − objective) = ${1 / budget} (a ratio never exceeds 1)`, w.burn));
        const first = windows.findIndex((o) => o.severity === w.severity);
        if (first < i) note(ctx, ['windows', i, 'severity'], `${JSON.stringify(w.severity)} is already used by windows[${first}]`);
        const same = windows.findIndex((o) => o.burn === w.burn);
        if (same < i) note(ctx, ['windows', i, 'burn'], `windows[${same}] has the same burn; the pairs rank by burn, each needs its own`);
      });
      if (r.escalate !== undefined)
        checkEscalations(
          pairsOf(r.windows).map((p) => p.severity),
          r.escalate,
          ctx,
        );
    },
    { when: (p) => isPlainObject(p.value) && p.issues.length === 0 },
  )
  .transform((r): Rule => {
    const step = r.step ?? MINUTE;
    const windows = pairsOf(r.windows);
    return {
      name: r.name,
      matchers: [],
      // The anomaly fields: unused by an SLO rule (see the file comment).
      window: 2,
      shortWindow: 1,
      minSamples: 2,
      memory: 0,
      likelihood: null,
      seasonality: null,
      direction: 'up',
      tiers: windows.map((w) => ({ severity: w.severity, z: w.burn })),
      stdFloor: { absolute: 1e-9, relative: 1e-9 },
      multiWindow: false,
      baseline: 'include',
      for: holdOf(r.for),
      keepFiringFor: holdOf(r.keep_firing_for),
      // A burn rate has no episode peak to re-arm on.
      rearm: 0,
      repeatMs: r.repeat ?? 0,
      ...(r.escalate === undefined || r.escalate.length === 0
        ? {}
        : { escalate: sortedEscalations(r.escalate).map(({ step: e }): Escalation => ({ afterMs: e.after, severity: e.severity })) }),
      slo: {
        objective: r.objective,
        errors: r.errors ?? null,
        good: r.good ?? null,
        total: r.total,
        groupBy: r.group_by ?? null,
        stepMs: step,
        windows,
      },
      labels: r.labels ?? {},
      annotations: r.annotations ?? {},
    };
  });

/** The window pairs in ms, ascending by burn (the tier order); the workbook's pairs when none are given. */
function pairsOf(windows: readonly WindowInput[] | undefined): SloWindowPair[] {
  return (windows ?? SLO_DEFAULT_WINDOWS)
    .map((w) => ({ longMs: w.long, shortMs: w.short, burn: w.burn, severity: w.severity }))
    .sort((a, b) => a.burn - b.burn);
}

/** A duration hold: 0 = at once. SLO rules count time, not evaluations. */
function holdOf(ms: number | undefined): Hold {
  return ms === undefined || ms === 0 ? { samples: 0 } : { ms };
}
