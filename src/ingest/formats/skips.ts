/**
 * Why a decoder left a sample out of a record it otherwise decoded (the record is not dead-lettered:
 * these are normal events of the source format, not malformed input). Closed set; the stage exports
 * them as a counter with a `reason` label.
 *
 * | reason             | meaning                                                                      |
 * | ------------------ | ---------------------------------------------------------------------------- |
 * | `stale_marker`     | Prometheus's staleness NaN (adapter), or an OTLP point flagged no-value       |
 * | `non_finite_value` | a NaN or ±Inf point inside a multi-sample record (the rest of it is kept)     |
 * | `string_field`     | a string field of line protocol / Telegraf JSON (not a number)                |
 * | `first_point`      | the first point of a cumulative counter: a rate needs two                    |
 * | `out_of_order`     | a cumulative point not newer than the previous one of its series             |
 * | `empty_interval`   | a histogram quantile over an interval with no observations                   |
 * | `unsupported`      | a metric kind the format decoder does not turn into samples (see its file)   |
 */
export const SKIP_REASONS = [
  'stale_marker',
  'non_finite_value',
  'string_field',
  'first_point',
  'out_of_order',
  'empty_interval',
  'unsupported',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** Running counts of skipped samples, by reason (the stage reads and resets nothing: it diffs). */
export type SkipCounts = Record<SkipReason, number>;

export function newSkipCounts(): SkipCounts {
  const counts = {} as SkipCounts;
  for (const reason of SKIP_REASONS) counts[reason] = 0;
  return counts;
}
