/**
 * NAB timestamps: `YYYY-MM-DD HH:MM:SS` in data files, `YYYY-MM-DD HH:MM:SS.ffffff` in
 * labels/combined_windows.json, always UTC and without a zone. Scoring compares them as Unix
 * milliseconds, as the reference does (nabscore.ts_to_ms, and run_detector.py matching an alert's
 * `ts` to rows).
 */

// The forms NAB writes, and a `T` separator. Python's fromisoformat accepts more (dates alone,
// zones); NAB never writes those, and an error here is better than a guess.
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC) → Unix ms; sub-millisecond digits are dropped (floor). */
export function parseNabTimestamp(text: string): number {
  const m = PATTERN.exec(text.trim());
  if (m === null) {
    throw new Error(`NAB timestamp must look like 2014-04-10 07:15:00[.000000] (UTC), got ${JSON.stringify(text)}`);
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  // Like ts_to_ms: microseconds // 1000, so "…:00.999999" stays in the same millisecond.
  const millis = m[7] === undefined ? 0 : Math.floor(Number(m[7].padEnd(6, '0')) / 1000);
  const date = new Date(0);
  // setUTCFullYear rather than Date.UTC, which maps years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  // Date rolls 2014-02-30 over to March; fromisoformat rejects it, and so do we.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  ) {
    throw new Error(`NAB timestamp ${JSON.stringify(text)} is not a valid date and time`);
  }
  return date.getTime();
}

/** Unix ms → `YYYY-MM-DD HH:MM:SS` (UTC, whole seconds), the form of NAB's data files. */
export function formatNabTimestamp(ms: number): string {
  if (!Number.isInteger(ms) || ms % 1000 !== 0) {
    throw new Error(`a NAB data timestamp is a whole second, got ${ms} ms`);
  }
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
