import { DecodeError, type DecodeReason } from '../../codec/errors.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The record value as text: `empty_value` for zero bytes, `not_json` (JSON formats) or `bad_shape` for invalid UTF-8. */
export function recordText(value: Uint8Array, invalidUtf8: DecodeReason = 'not_json'): string {
  if (value.length === 0) throw new DecodeError('empty_value', 'the record value is empty');
  try {
    return UTF8.decode(value);
  } catch (cause) {
    throw new DecodeError(invalidUtf8, 'the record value is not valid UTF-8', { cause });
  }
}

/** `JSON.parse`, with `not_json` (and where it failed) on a syntax error. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new DecodeError('not_json', `the record value is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON number, a number written as a string (how several formats carry floats and int64), or a Long. */
export function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return numberText(v);
  // protobufjs leaves an unset 64-bit field at its prototype default, a Long (set ones are numbers:
  // otlp/schema.ts reads them so).
  if (typeof v === 'object' && v !== null && typeof (v as { toNumber?: unknown }).toNumber === 'function') {
    return (v as { toNumber(): number }).toNumber();
  }
  return NaN;
}

/**
 * A decimal number as text (`-1.5`, `1e9`, `NaN`, `+Inf`, `-Inf`, `Infinity`), strictly: `Number()`
 * alone would take `''`, `' 1'` and `0x10`. Returns NaN for anything else; callers tell a written
 * `NaN` apart by `isNaNText`.
 */
export function numberText(s: string): number {
  const n = s.length;
  if (n === 0) return NaN;
  const c = s.charCodeAt(n - 1);
  // A decimal ends in a digit or a '.'; NaN, Inf and Infinity end in a letter.
  if (!((c >= 0x30 && c <= 0x39) || c === 0x2e)) return INFINITIES[s] ?? NaN;
  const first = s.charCodeAt(0);
  if (!((first >= 0x30 && first <= 0x39) || first === 0x2d || first === 0x2b || first === 0x2e)) return NaN;
  if (s.length > 1 && (s.charCodeAt(1) | 0x20) === 0x78) return NaN; // 0x…
  return Number(s);
}

const INFINITIES: Record<string, number> = {
  '+Inf': Infinity,
  Inf: Infinity,
  '-Inf': -Infinity,
  Infinity: Infinity,
  '+Infinity': Infinity,
  '-Infinity': -Infinity,
};

export function isNaNText(s: string): boolean {
  return s === 'NaN' || s === 'nan';
}

/** `bad_shape` naming the field, what belongs there and what came. */
export function badShape(field: string, expected: string, got: unknown): DecodeError {
  return new DecodeError('bad_shape', `${field} must be ${expected}, got ${describe(got)}`);
}

export function missingField(field: string): DecodeError {
  return new DecodeError('missing_field', `the record lacks ${field}`);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v);
  if (typeof v === 'object') return 'an object';
  return `${String(v)} (${typeof v})`;
}
