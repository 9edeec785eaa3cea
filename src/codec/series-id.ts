/**
 * The canonical series id, Prometheus style: `name{label="value",...}`.
 *
 * Canonical form (what `formatSeriesId` writes, and what producers must put in the record key,
 * because the worker uses the key bytes as the series identity):
 * - labels sorted by name (UTF-16 code unit order, which equals byte order for ASCII names);
 * - values escaped as in the Prometheus text format: `\` → `\\`, `"` → `\"`, line feed → `\n`;
 * - labels with an empty value are left out (Prometheus: an empty label is an absent label);
 * - no labels → just `name`, never `name{}`;
 * - no whitespace anywhere.
 *
 * `parseSeriesId` is a little more lenient than that, and accepts exactly what the Prometheus text
 * format accepts for a series (without whitespace): labels in any order, a trailing comma, `name{}`,
 * and empty values (dropped from the result). Use `canonicalSeriesId` to tell whether a key was
 * canonical. It rejects, with the position of the problem:
 * - a metric name not matching `[a-zA-Z_:][a-zA-Z0-9_:]*`;
 * - a label name not matching `[a-zA-Z_][a-zA-Z0-9_]*`, or starting with `__` (reserved by
 *   Prometheus; `__name__` would repeat the metric name);
 * - a duplicate label name;
 * - an escape other than `\\`, `\"`, `\n`, or a raw line feed in a value;
 * - anything after the closing `}`.
 *
 * Labels are parsed once per series (when it is first seen), never per sample: this file favours
 * clarity over speed.
 */

import type { SeriesIdentity } from '../core/series-identity.js';
import { DecodeError } from './errors.js';

export interface ParsedSeriesId {
  name: string;
  labels: Record<string, string>;
}

const NEEDS_ESCAPE = /[\\"\n]/;
const ESCAPABLE = /[\\"\n]/g;

/** `[a-zA-Z_:][a-zA-Z0-9_:]*` (metric) or `[a-zA-Z_][a-zA-Z0-9_]*` (label), by character codes:
 * verbose records check a name per record, and this is several times cheaper than a RegExp. */
function isName(s: string, metric: boolean): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(isNameStart(c) || (metric && c === 0x3a) || (i > 0 && isDigit(c)))) return false;
  }
  return true;
}

/** Why `name` is not a valid metric name, or null when it is. */
export function metricNameProblem(name: string): string | null {
  if (isName(name, true)) return null;
  return `metric name ${quote(name)} must match [a-zA-Z_:][a-zA-Z0-9_:]*`;
}

/** Why `name` is not a valid label name for a series, or null when it is. */
export function labelNameProblem(name: string): string | null {
  if (!isName(name, false)) return `label name ${quote(name)} must match [a-zA-Z_][a-zA-Z0-9_]*`;
  if (name.startsWith('__')) {
    return `label name ${quote(name)} starts with "__", which Prometheus reserves for internal labels`;
  }
  return null;
}

/** Escape a label value as the Prometheus text format does. */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(ESCAPABLE, (c) => (c === '\n' ? '\\n' : '\\' + c));
}

/**
 * The canonical id of a series. Throws `DecodeError` ('bad_series') on an invalid metric or
 * label name: callers pass names that came off the wire (verbose records).
 */
export function formatSeriesId(name: string, labels: Readonly<Record<string, string>>): string {
  const nameProblem = metricNameProblem(name);
  if (nameProblem !== null) throw new DecodeError('bad_series', nameProblem);
  const names: string[] = [];
  for (const label of Object.keys(labels)) {
    const problem = labelNameProblem(label);
    if (problem !== null) throw new DecodeError('bad_series', problem);
    const value: unknown = labels[label];
    if (typeof value !== 'string') {
      throw new DecodeError('bad_series', `label ${quote(label)} must have a string value, got ${typeof value}`);
    }
    if (value !== '') names.push(label);
  }
  if (names.length === 0) return name;
  names.sort(compareCodeUnits);
  let out = name + '{';
  for (let i = 0; i < names.length; i++) {
    const label = names[i]!;
    if (i > 0) out += ',';
    out += label + '="' + escapeLabelValue(labels[label]!) + '"';
  }
  return out + '}';
}

/** Parse a series id (see the file comment for what is accepted). Throws `DecodeError` ('bad_key'). */
export function parseSeriesId(id: string): ParsedSeriesId {
  return new SeriesIdParser(id).parse();
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** `parseSeriesId` of a record key. Positions in error messages count characters, not bytes. */
export function parseSeriesIdBytes(key: Uint8Array): ParsedSeriesId {
  const { name, labels } = seriesIdentityOf(key);
  return { name, labels };
}

/**
 * Who the series keyed by `key` is: the id as text (exactly the key's UTF-8, so an alert's
 * `series` always equals the record key), its name and labels. Throws `DecodeError` ('bad_key'),
 * also for a key that is not valid UTF-8. Called once per series, when it is admitted.
 */
export function seriesIdentityOf(key: Uint8Array): SeriesIdentity {
  let series: string;
  try {
    series = UTF8.decode(key);
  } catch (cause) {
    throw new DecodeError('bad_key', 'bad series id: the key is not valid UTF-8', { cause });
  }
  const { name, labels } = parseSeriesId(series);
  return { series, name, labels };
}

/** The canonical spelling of a series id (throws like `parseSeriesId`); equal to `id` iff it was canonical. */
export function canonicalSeriesId(id: string): string {
  const { name, labels } = parseSeriesId(id);
  return formatSeriesId(name, labels);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 120 ? s.slice(0, 120) + '…' : s);
}

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f; // a-z A-Z _
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

class SeriesIdParser {
  #pos = 0;
  readonly #id: string;

  constructor(id: string) {
    this.#id = id;
  }

  parse(): ParsedSeriesId {
    const id = this.#id;
    const name = this.#readName(true);
    const labels: Record<string, string> = {};
    if (this.#pos === id.length) return { name, labels };
    this.#expect('{', `'{' or the end after the metric name`);
    const seen = new Set<string>();
    while (this.#peek() !== '}') {
      const labelAt = this.#pos;
      const label = this.#readName(false);
      if (label.startsWith('__')) {
        this.#fail(labelAt, `label name ${quote(label)} starts with "__", which Prometheus reserves for internal labels`, false);
      }
      if (seen.has(label)) this.#fail(labelAt, `duplicate label ${quote(label)}`, false);
      seen.add(label);
      this.#expect('=', `'=' after label name ${quote(label)}`);
      this.#expect('"', `'"' to open the value of label ${quote(label)}`);
      const value = this.#readValue(label);
      if (value !== '') labels[label] = value;
      if (this.#peek() === ',') this.#pos++;
      else if (this.#peek() !== '}') this.#fail(this.#pos, `expected ',' or '}' after the value of label ${quote(label)}`);
    }
    this.#pos++; // the '}'
    if (this.#pos !== id.length) this.#fail(this.#pos, `expected the end after '}'`);
    return { name, labels };
  }

  /** A metric name (`:` allowed) or a label name, by the Prometheus character classes. */
  #readName(metric: boolean): string {
    const id = this.#id;
    const start = this.#pos;
    let i = start;
    const ok = (c: number, first: boolean) => isNameStart(c) || (metric && c === 0x3a) || (!first && isDigit(c));
    if (i < id.length && ok(id.charCodeAt(i), true)) {
      i++;
      while (i < id.length && ok(id.charCodeAt(i), false)) i++;
    }
    if (i === start) {
      this.#fail(
        start,
        metric ? 'expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)' : `expected a label name ([a-zA-Z_][a-zA-Z0-9_]*) or '}'`,
      );
    }
    this.#pos = i;
    return id.slice(start, i);
  }

  /** The value after its opening quote, unescaped; leaves #pos after the closing quote. */
  #readValue(label: string): string {
    const id = this.#id;
    let out = '';
    let runStart = this.#pos;
    for (let i = this.#pos; i < id.length; i++) {
      const c = id.charCodeAt(i);
      if (c === 0x22 /* " */) {
        this.#pos = i + 1;
        return out + id.slice(runStart, i);
      }
      if (c === 0x0a) this.#fail(i, `raw line feed in the value of label ${quote(label)}; write it as \\n`);
      if (c === 0x5c /* \ */) {
        const next = id[i + 1];
        let unescaped: string;
        if (next === '\\') unescaped = '\\';
        else if (next === '"') unescaped = '"';
        else if (next === 'n') unescaped = '\n';
        else if (next === undefined) break;
        else this.#fail(i, `unknown escape \\${next} in the value of label ${quote(label)} (only \\\\, \\" and \\n are allowed)`);
        out += id.slice(runStart, i) + unescaped;
        i++;
        runStart = i + 1;
      }
    }
    return this.#fail(id.length, `unterminated value of label ${quote(label)}: expected a closing '"'`);
  }

  #peek(): string | undefined {
    return this.#id[this.#pos];
  }

  #expect(ch: string, what: string): void {
    if (this.#id[this.#pos] !== ch) this.#fail(this.#pos, `expected ${what}`);
    this.#pos++;
  }

  #fail(pos: number, what: string, showGot = true): never {
    const got = !showGot ? '' : pos < this.#id.length ? `, got ${JSON.stringify(this.#id[pos])}` : ', got the end';
    throw new DecodeError('bad_key', `bad series id ${quote(this.#id)} at position ${pos}: ${what}${got}`);
  }
}
