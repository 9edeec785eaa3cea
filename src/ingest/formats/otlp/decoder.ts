/**
 * The OpenTelemetry Collector `kafka` exporter's metrics records: each value is one whole
 * ExportMetricsServiceRequest, `otlp_proto` (protobuf, the exporter's default) or `otlp_json` (OTLP
 * JSON: lowerCamelCase fields, 64-bit integers as decimal strings, enums as integers). Both go through
 * one translator (translate.ts). The Collector marshals pdata's `MetricsData`
 * (pmetric.ProtoMarshaler / JSONMarshaler), whose only field is `repeated ResourceMetrics
 * resource_metrics = 1`, exactly as in `ExportMetricsServiceRequest` (what the OTel SDK exporters send):
 * one wire format, one JSON shape, so either producer's records decode here.
 */
import type { IngestDecoder, SampleSink } from '../../format.js';
import { parseJson, recordText } from '../json.js';
import type { DecoderOptions } from '../options.js';
import type { SkipCounts } from '../skips.js';
import { DecodeError } from '../../../codec/errors.js';
import { decodeRequestProto } from './schema.js';
import { OtlpTranslator } from './translate.js';

export class OtlpDecoder implements IngestDecoder {
  readonly #translator: OtlpTranslator;

  constructor(
    readonly format: 'otlp-proto' | 'otlp-json',
    options: DecoderOptions,
  ) {
    this.#translator = new OtlpTranslator(options.maxSeries);
  }

  get skipped(): SkipCounts {
    return this.#translator.skipped;
  }

  decode(value: Uint8Array, sink: SampleSink): void {
    if (this.format === 'otlp-json') {
      this.#translator.translate(parseJson(recordText(value)), sink);
      return;
    }
    if (value.length === 0) throw new DecodeError('empty_value', 'the record value is empty');
    this.#translator.translate(decodeRequestProto(value), sink);
  }
}
