/**
 * Duration strings as Prometheus and Go write them: `250ms`, `30s`, `5m`, `1h30m`, `1.5h`, `7d`.
 * Units, largest first, each at most once: w (7 d), d (24 h), h, m, s, ms. The total must be a
 * whole number of milliseconds. `0` alone (string or number) is the zero duration.
 */

const UNIT_MS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['w', 'd', 'h', 'm', 's', 'ms'];

// `ms` must come before `m` in the alternation, or `250ms` would read as 250 m + "s".
const PART = /(\d+(?:\.\d+)?)(ms|w|d|h|m|s)/y;

/** Shown in error messages. */
export const DURATION_HELP = 'a duration like 250ms, 30s, 5m, 1h30m (units w, d, h, m, s, ms)';

/** Returns milliseconds, or `undefined` when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text.length === 0) return undefined;
  let total = 0;
  let lastRank = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text);
    if (m === null) return undefined;
    const unit = m[2] as Unit;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastRank) return undefined; // units in decreasing order, each once
    lastRank = rank;
    total += Number(m[1]) * UNIT_MS[unit];
  }
  // Fractions such as 1.5h are fine as long as they land on a whole millisecond.
  const rounded = Math.round(total);
  if (Math.abs(total - rounded) > 1e-6 || !Number.isSafeInteger(rounded)) return undefined;
  return rounded;
}

/** The shortest string `parseDuration` reads back as `ms` (`5400000` → `1h30m`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of UNIT_ORDER) {
    const size = UNIT_MS[unit];
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
