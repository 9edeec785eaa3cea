/**
 * Real OTLP records: metrics recorded with the OpenTelemetry JS SDK (@opentelemetry/sdk-metrics) into a
 * MeterProvider read by a manual reader, serialized by @opentelemetry/otlp-transformer's
 * ProtobufMetricsSerializer / JsonMetricsSerializer — the bytes the OTel exporters send, and what the
 * Collector's kafka exporter writes as one record per ExportMetricsServiceRequest.
 */
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type MeterProviderOptions,
  type MetricReaderOptions,
} from '@opentelemetry/sdk-metrics';
import type { Meter } from '@opentelemetry/api';

class ManualReader extends MetricReader {
  constructor(options?: MetricReaderOptions) {
    super(options);
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface Exported {
  proto: Uint8Array;
  json: Uint8Array;
}

/** One "process" of an instrumented service: a MeterProvider with a resource, read on demand. */
export class OtelProcess {
  readonly meter: Meter;
  readonly #provider: MeterProvider;
  readonly #reader: ManualReader;

  constructor(
    resource: Record<string, string>,
    temporality: 'cumulative' | 'delta' = 'cumulative',
    views: MeterProviderOptions['views'] = [],
  ) {
    this.#reader = new ManualReader({
      aggregationTemporalitySelector: () => (temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE),
    });
    this.#provider = new MeterProvider({ resource: resourceFromAttributes(resource), readers: [this.#reader], views });
    this.meter = this.#provider.getMeter('sigmawatch-test', '1.0.0');
  }

  /** One export, as both encodings; waits first until the clock moved on from the last one (ms times). */
  async export(): Promise<Exported> {
    const before = Date.now();
    while (Date.now() < before + 3) await new Promise((r) => setImmediate(r));
    const { resourceMetrics, errors } = await this.#reader.collect();
    if (errors.length > 0) throw new Error(`collect: ${errors.join('; ')}`);
    const proto = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
    const json = JsonMetricsSerializer.serializeRequest(resourceMetrics);
    if (proto === undefined || json === undefined) throw new Error('the OTLP serializer returned nothing');
    return { proto, json };
  }

  async shutdown(): Promise<void> {
    await this.#provider.shutdown();
  }
}

/** Each data point's time (Unix ms, as the decoder computes it) by metric name, from the JSON encoding. */
export function pointTimes(json: Uint8Array): Map<string, { ms: number; startMs: number }> {
  const out = new Map<string, { ms: number; startMs: number }>();
  const req = JSON.parse(new TextDecoder().decode(json));
  for (const rm of req.resourceMetrics)
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics) {
        const data = m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary;
        const p = data.dataPoints[0];
        out.set(m.name, { ms: Math.floor(Number(p.timeUnixNano) / 1e6), startMs: Math.floor(Number(p.startTimeUnixNano) / 1e6) });
      }
  return out;
}
