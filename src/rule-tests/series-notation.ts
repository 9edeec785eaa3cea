/**
 * promtool's expanding notation for input series (`100+0x60 400 100x10`), one value per step.
 *
 * Tokens are separated by whitespace; each expands to one or more steps:
 *
 *   a          one sample of value a
 *   a+bxn      a, a+b, a+2b, …, a+n·b: n+1 samples ("start at a, then n more, each b higher")
 *   a-bxn      a, a-b, …, a-n·b: n+1 samples
 *   axn        a+0xn: a, n+1 times
 *   _          no sample at this step (a missed scrape)
 *   _xn        n steps without a sample (n, not n+1: a missing sample cannot increment)
 *   stale      no sample at this step; see below
 *   stalexn    n+1 steps without a sample (promtool's `series_value TIMES uint`)
 *
 * Values are decimal numbers with an optional sign, fraction and exponent (`-2`, `.5`, `1e-3`,
 * `+1.5E+6`), or `Inf`, `+Inf`, `-Inf`, `NaN` (any case): those reach the detector, which rejects
 * them as it rejects them from Kafka. The i-th value of `a+bxn` is computed as a + i·b (not by
 * repeated addition), so `0.1+0.1x9` ends at exactly 0.1 + 9·0.1.
 *
 * `stale`: Prometheus ends a series with a staleness marker. sigmawatch has no markers: a series
 * goes stale when it has sent nothing for `store.idle_timeout`, and is then evicted (a firing alert
 * resolves with reason `stale`). So `stale` is a step without a sample, exactly like `_`; a rule
 * test models eviction with its `idle_timeout`. The word is accepted so that promtool inputs port over.
 *
 * Matches promtool's grammar (prometheus promql/parser/generated_parser.y, `series_item`), except
 * that a token may not contain spaces (`1 + 2 x 3` is an error here) and hexadecimal is not read.
 */

/** One step of an expanded series: the sample's value, or `null` when the series has no sample there. */
export type StepValue = number | null;

/** Expansion stops here: a typo such as `1x10000000000` must not exhaust memory. */
export const MAX_STEPS = 1_000_000;

export class SeriesNotationError extends Error {
  /** Offset of the offending token in the text (0-based, like series-id errors). */
  readonly position: number;
  readonly token: string;

  constructor(message: string, position: number, token: string) {
    super(message);
    this.name = 'SeriesNotationError';
    this.position = position;
    this.token = token;
  }
}

const NUMBER = String.raw`[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF]|[nN][aA][nN])`;
const UNSIGNED = String.raw`(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;
/** value [ (+|-) increment ] [ x count ]: the increment is only legal with a count (checked below). */
const VALUE_TOKEN = new RegExp(`^(${NUMBER})(?:([+-])(${UNSIGNED}))?(?:x(\\d+))?$`);
const MISSING_TOKEN = /^_(?:x(\d+))?$/;
const STALE_TOKEN = /^stale(?:x(\d+))?$/;
const TOKEN = /\S+/g;

const HELP = 'a number, a+bxn, a-bxn, axn, _, _xn or stale';

/** Expands `text` into one value per step (`null` = no sample). Throws `SeriesNotationError`. */
export function expandSeries(text: string, maxSteps = MAX_STEPS): StepValue[] {
  const out: StepValue[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const token = m[0];
    const at = m.index;
    const fail = (why: string): never => {
      throw new SeriesNotationError(`${JSON.stringify(token)} at position ${at}: ${why}`, at, token);
    };
    const push = (value: StepValue, times: number): void => {
      if (out.length + times > maxSteps) fail(`the series would be longer than ${maxSteps} steps`);
      for (let i = 0; i < times; i++) out.push(value);
    };

    const missing = MISSING_TOKEN.exec(token);
    if (missing !== null) {
      push(null, missing[1] === undefined ? 1 : count(missing[1], fail));
      continue;
    }
    const stale = STALE_TOKEN.exec(token);
    if (stale !== null) {
      push(null, stale[1] === undefined ? 1 : count(stale[1], fail) + 1);
      continue;
    }
    const v = VALUE_TOKEN.exec(token);
    if (v === null) fail(explain(token));
    const [, start, sign, step, times] = v!;
    const a = Number(start!.replace(/inf$/i, 'Infinity').replace(/^([+-]?)nan$/i, 'NaN'));
    if (sign !== undefined && times === undefined) fail(`an increment needs a count: write ${token}xN for N more samples`);
    if (times === undefined) {
      push(a, 1);
      continue;
    }
    const n = count(times, fail);
    if (out.length + n + 1 > maxSteps) fail(`the series would be longer than ${maxSteps} steps`);
    const b = sign === undefined ? 0 : sign === '-' ? -Number(step) : Number(step);
    for (let i = 0; i <= n; i++) out.push(b === 0 ? a : a + i * b);
  }
  return out;
}

function count(digits: string, fail: (why: string) => never): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) fail(`the count ${digits} is too large`);
  return n;
}

/** Why a token is not one of the forms, as precisely as the common mistakes allow. */
function explain(token: string): string {
  if (/^_/.test(token)) return 'a missing sample is _ or _xN (N further missing samples)';
  if (/^stale/i.test(token)) return 'write stale (lower case), or staleXN as stalexN';
  if (/X\d+$/.test(token)) return `the count is written with a lower-case x, like ${token.replace(/X(\d+)$/, 'x$1')}`;
  if (/x$/.test(token)) return 'x must be followed by a count, like 1x10';
  if (/x-\d+$/.test(token)) return 'the count after x cannot be negative';
  if (/x\d*\.\d*$/.test(token)) return 'the count after x must be a whole number';
  return `expected ${HELP}`;
}
