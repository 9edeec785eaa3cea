/**
 * "Did you mean" for unknown keys: the closest candidate by edit distance (Damerau–Levenshtein,
 * optimal string alignment), compared case-, `_`- and `-`-insensitively so that `groupId` and
 * `group-id` both find `group_id`.
 */

const normalise = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');

/** The closest candidate, or `undefined` when none is close enough to be a plausible typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const w = normalise(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(w, normalise(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A third of the length (at least 1, at most 3) separates typos from different words:
  // `windw` → `window` (1), `severity` → `severities` (3 of 10), but `foo` finds nothing.
  const allowed = Math.min(3, Math.max(1, Math.floor(Math.max(w.length, 3) / 3)));
  return bestDistance <= allowed ? best : undefined;
}

/** Edit distance where a swap of two neighbouring characters counts as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Uint16Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}
