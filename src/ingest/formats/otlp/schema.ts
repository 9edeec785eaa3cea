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
silenceOneofSetters(root);

/**
 * protobufjs's decoder names the member of a oneof it has just read (`m.value = "asDouble"`), and that
 * virtual property's setter `delete`s every other member: for AnyValue (8 members) and the data points'
 * `value` and proto3-optional fields, that was about 15 % of decoding a request. The translator never
 * reads the virtual property (it looks at which member is an own property), so our types get a setter
 * that does nothing: protobufjs builds it with `util.oneOfSetter` when a type's constructor is set up,
 * so that function is swapped only while our types are set up (here, at load; nothing else runs
 * meanwhile) and put back. The one thing lost: when a message carries two members of one oneof (no
 * encoder writes that), both stay and the translator takes the first it checks, where protobuf says
 * the last one read wins.
 */
function silenceOneofSetters(ns: protobuf.NamespaceBase): void {
  const util = protobuf.util as unknown as { oneOfSetter: (names: string[]) => (name: string) => void };
  const original = util.oneOfSetter;
  util.oneOfSetter = () => () => {};
  try {
    setUpTypes(ns);
  } finally {
    util.oneOfSetter = original;
  }
}

function setUpTypes(ns: protobuf.NamespaceBase): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) void nested.ctor; // builds the constructor and its prototype
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) setUpTypes(nested);
  }
}

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
