import { MAX_TS_MS } from '../../codec/samples.js';
import { DecodeError } from '../../codec/errors.js';

/** `2024-05-01T12:00:00Z`, `…T12:00:00.123456789Z`, `…T12:00:00+02:00` (RFC 3339, `T` and `Z` in either case). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * RFC 3339 text → Unix ms, remembering the last text parsed: records of one scrape or flush share
 * their timestamp, so most calls are one string comparison. One per decoder (not shared: no state
 * crosses decoders).
 */
export class Rfc3339Parser {
  #lastText = '';
  #lastMs = 0;

  parse(text: string, field: string): number {
    if (text === this.#lastText) return this.#lastMs;
    const ms = RFC3339.test(text) ? Date.parse(text) : NaN;
    checkMs(ms, field, text);
    this.#lastText = text;
    this.#lastMs = ms;
    return ms;
  }
}

/** Throws `bad_timestamp` unless `ms` is Unix ms in (0, year 3000), naming the field and what came. */
export function checkMs(ms: number, field: string, got: unknown): void {
  if (ms > 0 && ms < MAX_TS_MS) return;
  throw new DecodeError(
    'bad_timestamp',
    `${field} must be a time between 1970 and the year 3000${typeof got === 'string' ? ' (RFC 3339)' : ''}, got ${JSON.stringify(got)}`,
  );
}
