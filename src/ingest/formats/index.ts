/**
 * The pipeline format decoders of `sigmawatch ingest` (contract: src/ingest/format.ts). One decoder
 * per format and per stage: each keeps a bounded cache of series ids and, where the format carries
 * cumulative counters, the previous point of each (for rates).
 */
import type { IngestDecoder, IngestFormat } from '../format.js';
import { decoderOptions, type DecoderOptions } from './options.js';
import { InfluxLineDecoder } from './influx-line.js';
import { OtlpDecoder } from './otlp/decoder.js';
import { PrometheusKafkaAdapterDecoder } from './prometheus-kafka-adapter.js';
import { TelegrafJsonDecoder } from './telegraf-json.js';
import { VectorJsonDecoder } from './vector-json.js';
import type { SkipCounts } from './skips.js';

export { sniffFormat } from './sniff.js';
export { SKIP_REASONS, type SkipCounts, type SkipReason } from './skips.js';
export { DEFAULT_MAX_SERIES, type DecoderOptions } from './options.js';

/** A decoder with its counts of samples left out on purpose (stale markers, string fields, …). */
export interface FormatDecoder extends IngestDecoder {
  readonly skipped: Readonly<SkipCounts>;
}

export function createDecoder(format: IngestFormat, options: Partial<DecoderOptions> = {}): FormatDecoder {
  const opts = decoderOptions(options);
  switch (format) {
    case 'prometheus-kafka-adapter':
      return new PrometheusKafkaAdapterDecoder(opts);
    case 'otlp-proto':
    case 'otlp-json':
      return new OtlpDecoder(format, opts);
    case 'influx-line':
      return new InfluxLineDecoder(opts);
    case 'telegraf-json':
      return new TelegrafJsonDecoder(opts);
    case 'vector-json':
      return new VectorJsonDecoder(opts);
  }
}
