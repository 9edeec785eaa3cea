/** What a format decoder is built with (all optional; the defaults suit one ingest stage). */
export interface DecoderOptions {
  /**
   * Bound on per-decoder memory: series ids cached, and counter / histogram state kept for rates,
   * each about 2 × maxSeries entries at most (BoundedMap). A series unseen for maxSeries newer
   * series loses its cached id (rebuilt on its next record) and its previous point (its next
   * cumulative point is a first point again: one rate is skipped).
   */
  maxSeries: number;
  /**
   * The clock for line protocol lines without a timestamp (Telegraf always writes one; a hand-written
   * line may not). Unix ms. Read once per record, not per line.
   */
  now: () => number;
}

export const DEFAULT_MAX_SERIES = 200_000;

export function decoderOptions(options: Partial<DecoderOptions> = {}): DecoderOptions {
  const maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES;
  if (!Number.isInteger(maxSeries) || maxSeries < 1) {
    throw new RangeError(`maxSeries must be an integer from 1 up, got ${String(maxSeries)} (${typeof maxSeries})`);
  }
  return { maxSeries, now: options.now ?? Date.now };
}
