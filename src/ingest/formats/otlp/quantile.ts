/**
 * A quantile estimated from bucket counts as Prometheus's `histogram_quantile` does
 * (promql/quantile.go `BucketQuantile`): find the bucket the rank falls in, interpolate linearly inside
 * it; the first bucket starts at 0 (or is its upper bound when that is ≤ 0); a rank in the +Inf bucket
 * is the highest finite bound.
 *
 * @param bounds  the explicit upper bounds (OTLP `explicit_bounds`), ascending
 * @param counts  per-bucket (not cumulative) counts over the interval, bounds.length + 1 of them
 * @param total   the sum of counts (> 0)
 */
export function bucketQuantile(q: number, bounds: ArrayLike<number>, counts: ArrayLike<number>, total: number): number {
  if (bounds.length === 0 || !(total > 0)) return NaN;
  const rank = q * total;
  let before = 0;
  let i = 0;
  for (; i < counts.length - 1; i++) {
    if (before + counts[i]! >= rank) break;
    before += counts[i]!;
  }
  if (i >= bounds.length) return bounds[bounds.length - 1]!;
  const end = bounds[i]!;
  if (i === 0 && end <= 0) return end;
  const start = i === 0 ? 0 : bounds[i - 1]!;
  const inBucket = counts[i]!;
  if (!(inBucket > 0)) return end;
  return start + (end - start) * ((rank - before) / inBucket);
}
