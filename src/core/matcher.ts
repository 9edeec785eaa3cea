/**
 * Prometheus series selectors: parse `metric{a="x",b!="y",c=~"re",d!~"re"}` into label matchers,
 * and compile matchers into one predicate over (name, labels).
 *
 * Grammar (PromQL's vector selector without range or offset; whitespace allowed between tokens):
 *   selector := metric_name [ '{' [ matcher { ',' matcher } [ ',' ] ] '}' ]
 *             | '{' [ matcher { ',' matcher } [ ',' ] ] '}'
 *   matcher  := label_name ( '=' | '!=' | '=~' | '!~' ) string
 *   string   := "…" | '…' | `…`  (backquotes: raw, no escapes)
 * Escapes in quoted strings, as in PromQL (Go): \a \b \f \n \r \t \v \\ \xHH \uHHHH \UHHHHHHHH
 * and the enclosing quote; anything else (`"\."`) is an error, because in a regex it is almost
 * always a mistake for `"\\."`.
 *
 * Semantics (Prometheus):
 * - the metric name is the label `__name__`;
 * - a missing label equals the empty string: `{env=""}` means "has no env", `{env!=""}` "has env";
 * - regexes are fully anchored, `^(?:re)$`, and `.` matches line feeds too (RE2 `(?s)`).
 * - `{}` (or no matchers at all) selects every series; the empty string is not a selector.
 * Regexes are JavaScript RegExps, which agree with RE2 on the syntax selectors use; RE2's
 * `(?P<name>…)` is accepted, and a leading `(?i)` (or `(?is)`…) becomes the `i` flag. Other inline
 * flags are rejected, since JavaScript cannot express them.
 */

import type { LabelMatcher, MatchOp } from './rule.js';

export class SelectorError extends Error {
  override readonly name = 'SelectorError';
  /** 0-based index into the selector where the problem is (-1 when not from a parse). */
  readonly position: number;

  constructor(message: string, position = -1) {
    super(message);
    this.position = position;
  }
}

export type SeriesPredicate = (name: string, labels: Readonly<Record<string, string>>) => boolean;

const METRIC_NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const OPS: readonly MatchOp[] = ['=~', '!~', '!=', '=']; // longest first

export function parseSelector(selector: string): LabelMatcher[] {
  return new SelectorParser(selector).parse();
}

class SelectorParser {
  readonly #src: string;
  #pos = 0;

  constructor(src: string) {
    this.#src = src;
  }

  parse(): LabelMatcher[] {
    const matchers: LabelMatcher[] = [];
    this.#skipSpace();
    const name = this.#match(METRIC_NAME);
    if (name !== null) matchers.push({ label: '__name__', op: '=', value: name });
    this.#skipSpace();
    if (this.#src[this.#pos] === '{') {
      this.#pos++;
      this.#parseMatchers(matchers, name);
    } else if (name === null) {
      this.#fail('expected a metric name or "{"');
    }
    this.#skipSpace();
    if (this.#pos < this.#src.length)
      this.#fail(name !== null && matchers.length === 1 ? 'expected "{" or the end' : 'expected the end of the selector');
    return matchers;
  }

  #parseMatchers(out: LabelMatcher[], metricName: string | null): void {
    for (;;) {
      this.#skipSpace();
      if (this.#src[this.#pos] === '}') {
        this.#pos++;
        return;
      }
      const labelAt = this.#pos;
      const label = this.#match(LABEL_NAME);
      if (label === null) this.#fail('expected a label name or "}"');
      if (label === '__name__' && metricName !== null) {
        this.#fail(`the metric name is set twice: ${JSON.stringify(metricName)} and a __name__ matcher`, labelAt, false);
      }
      this.#skipSpace();
      const op = OPS.find((o) => this.#src.startsWith(o, this.#pos));
      if (op === undefined) this.#fail(`expected one of =, !=, =~, !~ after label name ${JSON.stringify(label)}`);
      this.#pos += op.length;
      this.#skipSpace();
      const valueAt = this.#pos;
      const value = this.#readString(label);
      if (op === '=~' || op === '!~') {
        try {
          compileRegex(value);
        } catch (e) {
          this.#fail(`invalid regex for ${JSON.stringify(label)}: ${(e as Error).message}`, valueAt, false);
        }
      }
      out.push({ label, op, value });
      this.#skipSpace();
      const c = this.#src[this.#pos];
      if (c === ',') this.#pos++;
      else if (c !== '}') this.#fail('expected "," or "}" after a matcher');
    }
  }

  #readString(label: string): string {
    const src = this.#src;
    const quote = src[this.#pos];
    if (quote !== '"' && quote !== "'" && quote !== '`') this.#fail(`expected a quoted string for label ${JSON.stringify(label)}`);
    const start = this.#pos;
    let out = '';
    let i = start + 1;
    for (;;) {
      if (i >= src.length) this.#fail(`unterminated string: expected a closing ${quote}`, start, false);
      const c = src[i]!;
      if (c === quote) break;
      if (c === '\n' && quote !== '`') this.#fail('line feed inside a quoted string; write \\n', i, false);
      if (c !== '\\' || quote === '`') {
        out += c;
        i++;
        continue;
      }
      const e = src[i + 1];
      const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        i += 2;
      } else if (e === quote) {
        out += quote;
        i += 2;
      } else if (e === 'x' || e === 'u' || e === 'U') {
        const digits = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = src.slice(i + 2, i + 2 + digits);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) this.#fail(`\\${e} needs ${digits} hex digits`, i, false);
        const cp = parseInt(hex, 16);
        if (e === 'x' && cp > 0x7f) this.#fail('\\x escapes above \\x7f are bytes, not characters; use \\u00' + hex, i, false);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.#fail(`\\${e}${hex} is not a Unicode code point`, i, false);
        out += String.fromCodePoint(cp);
        i += 2 + digits;
      } else {
        this.#fail(`unknown escape \\${e ?? ''} (to put a backslash in a regex, write \\\\)`, i, false);
      }
    }
    this.#pos = i + 1;
    return out;
  }

  #match(re: RegExp): string | null {
    re.lastIndex = this.#pos;
    const m = re.exec(this.#src);
    if (m === null) return null;
    this.#pos += m[0].length;
    return m[0];
  }

  #skipSpace(): void {
    while (this.#pos < this.#src.length && /\s/.test(this.#src[this.#pos]!)) this.#pos++;
  }

  #fail(what: string, at = this.#pos, showGot = true): never {
    const got = !showGot ? '' : at < this.#src.length ? `, got ${JSON.stringify(this.#src[at])}` : ', got the end';
    throw new SelectorError(`bad selector ${JSON.stringify(this.#src)} at position ${at}: ${what}${got}`, at);
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/**
 * The anchored RegExp for a Prometheus regex matcher value. Throws `SelectorError`.
 * The pattern is first compiled on its own, so that an unbalanced `)` cannot escape the anchors.
 */
export function compileRegex(re: string): RegExp {
  let flags = 's';
  let body = re;
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(re);
  if (inline !== null) {
    for (const f of inline[1]!) {
      if (f === 'i') flags += 'i';
      else if (f !== 's') throw new SelectorError(`inline flag (?${f}) is not supported (only a leading (?i) or (?s))`);
    }
    body = re.slice(inline[0].length);
  }
  body = body.replace(/\(\?P</g, '(?<'); // RE2's named groups
  try {
    new RegExp(body, flags);
    return new RegExp(`^(?:${body})$`, flags);
  } catch (e) {
    throw new SelectorError(`${JSON.stringify(re)} is not a valid regex: ${(e as Error).message}`);
  }
}

type ValueTest = (v: string) => boolean;

function valueTest(m: LabelMatcher): ValueTest {
  const want = m.value;
  switch (m.op) {
    case '=':
      return (v) => v === want;
    case '!=':
      return (v) => v !== want;
    case '=~':
    case '!~': {
      const negate = m.op === '!~';
      let test: ValueTest;
      if (want === '.*') test = () => true;
      else if (want === '.+') test = (v) => v !== '';
      else if (/^[a-zA-Z0-9_\- ,:/]*$/.test(want))
        test = (v) => v === want; // no metacharacters: a literal
      else {
        const re = compileRegex(want);
        test = (v) => re.test(v);
      }
      return negate ? (v) => !test(v) : test;
    }
    default:
      throw new SelectorError(`unknown match operator ${JSON.stringify(m.op)} for label ${JSON.stringify(m.label)}`);
  }
}

/** Cheap tests first: equality before regex. Stable, so equal costs keep the written order. */
function cost(m: LabelMatcher): number {
  return m.op === '=' || m.op === '!=' ? 0 : 1;
}

/**
 * One predicate for all matchers (all must hold), regexes compiled here, once. Throws
 * `SelectorError` for an invalid regex (matchers may come from config, not only from parseSelector).
 */
export function compileMatchers(ms: readonly LabelMatcher[]): SeriesPredicate {
  if (ms.length === 0) return () => true;
  const sorted = [...ms].sort((a, b) => cost(a) - cost(b));
  const labels = sorted.map((m) => m.label);
  const isName = sorted.map((m) => m.label === '__name__');
  const tests = sorted.map(valueTest);
  const n = sorted.length;
  return (name, seriesLabels) => {
    for (let i = 0; i < n; i++) {
      const label = labels[i]!;
      // hasOwn: a label called "constructor" must not find Object.prototype's.
      const v = isName[i] ? name : Object.hasOwn(seriesLabels, label) ? seriesLabels[label]! : '';
      if (!tests[i]!(v)) return false;
    }
    return true;
  };
}
