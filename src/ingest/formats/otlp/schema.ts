/**
 * The OTLP metrics protobuf schema (the official opentelemetry-proto definitions, vendored in ./proto,
 * compiled to descriptor.ts) and the decoding of one ExportMetricsServiceRequest with protobufjs.
 *
 * 64-bit integers (times in ns, counts, `as_int`) come out as plain numbers, not Long objects: our
 * reader reads them as two 32-bit halves. Times in ns lose sub-µs precision in a double (2^53 ns is
 * 104 days; today's ns need 61 bits), far below the ms a sample carries; counts above 2^53 round.
 * This is a subclass, so the shared protobufjs module keeps its global Long configuration.
 */
import protobuf from 'protobufjs';
import { DecodeError } from '../../../codec/errors.js';
import { OTLP_METRICS_DESCRIPTOR } from './descriptor.js';

const root = protobuf.Root.fromJSON(OTLP_METRICS_DESCRIPTOR);
const REQUEST = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');

type LongLike = { toNumber(): number };

/** A protobufjs reader whose 64-bit reads return numbers. */
class NumberReader extends protobuf.Reader {}
const R = protobuf.Reader.prototype as unknown as Record<string, () => unknown>;
Object.assign(NumberReader.prototype, {
  fixed64(this: protobuf.Reader): number {
    const lo = this.fixed32();
    return this.fixed32() * 4294967296 + lo;
  },
  sfixed64(this: protobuf.Reader): number {
    const lo = this.fixed32();
    return this.sfixed32() * 4294967296 + lo;
  },
  int64(this: protobuf.Reader): number {
    return toNumber(R['int64']!.call(this));
  },
  uint64(this: protobuf.Reader): number {
    return toNumber(R['uint64']!.call(this));
  },
  sint64(this: protobuf.Reader): number {
    return toNumber(R['sint64']!.call(this));
  },
});

function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : (v as LongLike).toNumber();
}

/**
 * One record value → the request as plain-ish objects (camelCase fields, as OTLP JSON names them, so
 * one walker reads both encodings). Throws `bad_shape` on bytes that are not this message.
 */
export function decodeRequestProto(value: Uint8Array): unknown {
  try {
    return REQUEST.decode(new NumberReader(value));
  } catch (cause) {
    throw new DecodeError('bad_shape', `not an OTLP protobuf ExportMetricsServiceRequest: ${(cause as Error).message}`, { cause });
  }
}
