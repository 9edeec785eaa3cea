/**
 * The contract between `sigmawatch ingest`'s stage (consume a pipeline topic, produce keyed
 * records to the metrics topic) and its format decoders (one module per pipeline format under
 * src/ingest/formats/). A decoder turns one record value into samples; it never does I/O.
 */

/** Every pipeline format `ingest` reads, as named in config (`ingest.format`). Closed set. */
export const INGEST_FORMATS = [
  /** prometheus-kafka-adapter (remote-write → Kafka) JSON, one sample per record. */
  'prometheus-kafka-adapter',
  /** OpenTelemetry Collector `kafka` exporter, `otlp_proto` encoding (its default). */
  'otlp-proto',
  /** OpenTelemetry Collector `kafka` exporter, `otlp_json` encoding. */
  'otlp-json',
  /** Telegraf `outputs.kafka` with InfluxDB line protocol. */
  'influx-line',
  /** Telegraf `outputs.kafka` with its JSON serializer. */
  'telegraf-json',
  /** Vector `kafka` sink with the JSON codec. */
  'vector-json',
] as const;
export type IngestFormat = (typeof INGEST_FORMATS)[number];

/**
 * Where a decoder puts each sample it finds: the canonical series id (as `formatSeriesId` in
 * src/codec/series-id.ts writes it), the sample time in Unix milliseconds and the value.
 */
export interface SampleSink {
  push(series: string, timestampMs: number, value: number): void;
}

/**
 * One decoder per format and per stage (it may keep state across records, e.g. the previous point
 * of each cumulative counter to turn it into a rate). `decode` pushes every sample of the record to
 * the sink, or throws a `DecodeError` (src/codec/errors.ts) whose reason says what was wrong; a
 * record that throws goes to the dead-letter topic whole.
 */
export interface IngestDecoder {
  readonly format: IngestFormat;
  decode(value: Uint8Array, sink: SampleSink): void;
}
