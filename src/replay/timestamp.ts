/**
 * Timestamps in replay input: Unix milliseconds, Unix seconds, or ISO 8601 / `YYYY-MM-DD HH:MM:SS`.
 *
 * A number is taken as milliseconds from 1e11 up (1e11 ms is March 1973; 1e11 s would be the year
 * 5138), else as seconds (fractions allowed). Dates without a zone are UTC, never local time.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
export const SECONDS_BELOW = 1e11;

/** Unix ms, or undefined when `text` is none of the accepted forms. */
export function parseTimestamp(text: string): number | undefined {
  const t = text.trim();
  if (NUMBER.test(t)) {
    const n = Number(t);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    return Math.abs(n) >= SECONDS_BELOW ? Math.round(n) : Math.round(n * 1000);
  }
  const m = ISO.exec(t);
  if (m === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  let iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}`;
  iso += zone === undefined ? 'Z' : zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return undefined;
  // Date.parse rolls 2024-02-31 over to March: reject dates that do not round-trip.
  const back = new Date(ms - zoneOffsetMs(zone));
  if (back.getUTCDate() !== Number(d) || back.getUTCMonth() + 1 !== Number(mo)) return undefined;
  return ms;
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}
