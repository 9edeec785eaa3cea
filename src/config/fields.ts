/**
 * Zod building blocks whose error messages say what is allowed. The convention, which
 * `issues.ts` turns into lines such as ``rules[0].window must be an integer ≥ 2, got 1.5 (number)``:
 * - a field's issue message is the "what is allowed" phrase (`an integer ≥ 2`);
 * - a cross-field or free-form problem is a custom issue made by `sentence()` (the message
 *   follows the key path: `… must be less than window (20), got 20 (number)`) or by `note()`
 *   (the message follows `path: `);
 * - `strict()` objects report unknown keys with the list of allowed keys (see `issues.ts`).
 */

import { z } from 'zod';
import { DURATION_HELP, parseDuration } from './duration.js';
import type { Hold } from '../core/rule.js';
import { describeValue, type PathSegment } from './errors.js';
import { compileRegex } from '../core/matcher.js';

export type IssueKind = 'sentence' | 'note';

/** Minimal view of zod's refinement context, enough to report an issue. */
interface IssueSink {
  addIssue(issue: { code: 'custom'; message: string; path?: PathSegment[]; input?: unknown; params?: Record<string, unknown> }): void;
}

export function sentence(ctx: IssueSink, path: PathSegment[], message: string, input?: unknown): void {
  ctx.addIssue({ code: 'custom', message, path, input, params: { kind: 'sentence' } });
}

export function note(ctx: IssueSink, path: PathSegment[], message: string, input?: unknown): void {
  ctx.addIssue({ code: 'custom', message, path, input, params: { kind: 'note' } });
}

/** `must be <what>, got <value>`, for cross-field checks that still want to show the value. */
export function mustBe(what: string, value: unknown): string {
  return `must be ${what}, got ${describeValue(value)}`;
}

/**
 * An object that rejects unknown keys. The unknown-keys issue carries the allowed keys as its
 * message (a JSON array), because zod issues keep no reference to the schema; `issues.ts`
 * reads it back to list them and to suggest the closest one.
 */
export function strict<T extends z.core.$ZodLooseShape>(shape: T, what: string) {
  const allowed = JSON.stringify(Object.keys(shape));
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? allowed : what) });
}

export function int(min: number, max?: number) {
  const what = max === undefined ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
  // Not `.int()`: its failure aborts the whole parse (zod 4 sets `continue: false`), which would
  // also silence cross-field checks elsewhere (duplicate rule names) that run despite other errors.
  const base = z.number({ error: what }).min(min, { error: what });
  return (max === undefined ? base : base.max(max, { error: what })).refine(Number.isSafeInteger, { error: what });
}

/** A finite number > 0 (zod 4 numbers are finite already). */
export function positive(what = 'a number > 0') {
  return z.number({ error: what }).positive({ error: what });
}

export function nonNegative(what = 'a number ≥ 0') {
  return z.number({ error: what }).nonnegative({ error: what });
}

export function nonEmptyString(what = 'a non-empty string') {
  return z.string({ error: what }).min(1, { error: what });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `one of ${values.join(', ')}` });
}

export const bool = () => z.boolean({ error: 'true or false' });

export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL_NAME_HELP = `a label name matching ${LABEL_NAME.source.slice(1, -1)}`;

export const labelName = () => z.string({ error: LABEL_NAME_HELP }).regex(LABEL_NAME, { error: LABEL_NAME_HELP });

/** `{team: db}`: label name → string. Numbers are refused rather than guessed at: quote them. */
export function labelMap(what: string) {
  return z.record(labelName(), z.string({ error: 'a string (quote numbers and booleans: "42")' }), { error: what });
}

/**
 * Why `source` is not a valid matcher regex, or `undefined` when it is. Compiled exactly as the
 * core compiles matcher regexes (anchored, RE2's leading `(?i)` and `(?P<name>` accepted).
 */
export function regexProblem(source: string): string | undefined {
  try {
    compileRegex(source);
    return undefined;
  } catch (err) {
    // `"(" is not a valid regex: Invalid regular expression: /(/s: Unterminated group`: keep the reason.
    const message = (err as Error).message;
    const at = message.lastIndexOf(': ');
    return at === -1 ? message : message.slice(at + 2);
  }
}

export function regex(what = 'a regular expression') {
  return z.string({ error: what }).superRefine((source, ctx) => {
    const problem = regexProblem(source);
    if (problem !== undefined) sentence(ctx, [], `${mustBe('a valid regular expression', source)}: ${problem}`);
  });
}

/** Duration string → ms. `allowZero`: `0` / `0s` mean "off". */
export function duration(allowZero: boolean) {
  const what = allowZero ? `${DURATION_HELP}, or 0` : `a positive ${DURATION_HELP.slice(2)}`;
  return z.union([z.string(), z.number()], { error: what }).transform((value, ctx) => {
    const ms = typeof value === 'number' ? (value === 0 ? 0 : undefined) : parseDuration(value);
    if (ms === undefined || (ms === 0 && !allowZero)) {
      ctx.issues.push({ code: 'custom', message: what, input: value });
      return z.NEVER;
    }
    return ms;
  });
}

const HOLD_HELP = `a number of consecutive samples (an integer ≥ 0) or ${DURATION_HELP} of sample time`;

/** `for` / `keep_firing_for`: 3 → {samples: 3}; '5m' → {ms: 300000}; 0 and '0s' → {samples: 0}. */
export function hold() {
  return z.union([z.string(), z.number()], { error: HOLD_HELP }).transform((value, ctx): Hold => {
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value) && value >= 0) return { samples: value };
    } else {
      const ms = parseDuration(value);
      // A zero duration and zero samples both mean "at once"; the core sees one spelling of it.
      if (ms !== undefined) return ms === 0 ? { samples: 0 } : { ms };
    }
    ctx.issues.push({ code: 'custom', message: HOLD_HELP, input: value });
    return z.NEVER;
  });
}
