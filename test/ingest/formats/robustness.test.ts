import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../src/codec/errors.js';
import type { IngestFormat } from '../../../src/ingest/format.js';
import { createDecoder } from '../../../src/ingest/formats/index.js';
import { mulberry32 } from '../../support/random.js';
import { OtelProcess } from './otlp-support.js';
import { CollectingSink, utf8 } from './support.js';

/**
 * Whatever bytes arrive, a decoder either decodes them or throws a DecodeError: anything else (a
 * TypeError on an unexpected shape) would be counted by the stage as an internal error. Valid records
 * of each format are mutated at random — bytes flipped, cut, duplicated, and (for JSON) values swapped
 * for values of other types — and decoded; the only acceptable exception is a DecodeError.
 */
const ODD_VALUES: unknown[] = [null, true, 0, -1, 1e308, 'x', '', [], [1, 'a'], {}, { value: null }, 'NaN', '-Inf', 1.5];

function mutateBytes(rand: () => number, bytes: Uint8Array): Uint8Array {
  const b = Array.from(bytes);
  const n = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(rand() * b.length);
    const op = rand();
    if (op < 0.4) b[i] = Math.floor(rand() * 256);
    else if (op < 0.6) b.splice(i, 1);
    else if (op < 0.8) b.splice(i, 0, b[Math.floor(rand() * b.length)]!);
    else b.length = i;
  }
  return Uint8Array.from(b);
}

function mutateJson(rand: () => number, value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(value));
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => (slots.push([v, i]), walk(x)));
    else if (v !== null && typeof v === 'object')
      for (const k of Object.keys(v)) (slots.push([v as Record<string, unknown>, k]), walk((v as Record<string, unknown>)[k]));
  };
  walk(copy);
  const n = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < n && slots.length > 0; k++) {
    const [parent, key] = slots[Math.floor(rand() * slots.length)]!;
    const replacement = ODD_VALUES[Math.floor(rand() * ODD_VALUES.length)];
    if (rand() < 0.2 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
    else (parent as Record<string | number, unknown>)[key] = replacement;
  }
  return copy;
}

function survive(format: IngestFormat, records: Uint8Array[], jsonRecords: unknown[], seed: number): void {
  const rand = mulberry32(seed);
  const decoder = createDecoder(format, { maxSeries: 50 });
  const sink = new CollectingSink();
  let decoded = 0;
  let refused = 0;
  const attempt = (bytes: Uint8Array) => {
    try {
      decoder.decode(bytes, sink);
      decoded++;
    } catch (e) {
      if (!(e instanceof DecodeError)) {
        assert.fail(
          `${format}: ${(e as Error)?.stack ?? String(e)}\ninput: ${JSON.stringify(Buffer.from(bytes).toString('latin1').slice(0, 400))}`,
        );
      }
      refused++;
    }
  };
  for (let i = 0; i < 400; i++) attempt(mutateBytes(rand, records[i % records.length]!));
  for (let i = 0; i < jsonRecords.length * 100 && jsonRecords.length > 0; i++) {
    attempt(utf8(JSON.stringify(mutateJson(rand, jsonRecords[i % jsonRecords.length]))));
  }
  assert.ok(refused > 0 && decoded > 0, `${format}: both outcomes happen (decoded ${decoded}, refused ${refused})`);
}

const T = '2026-01-15T12:00:00Z';
const NS = '1768478400000000000';
const ADAPTER = { labels: { __name__: 'up', job: 'api' }, name: 'up', timestamp: T, value: '1' };
const TELEGRAF = { metrics: [{ fields: { a: 1, b: true, c: 's' }, name: 'cpu', tags: { host: 'a' }, timestamp: 1768478400 }] };
const VECTOR = [
  { name: 'c', namespace: 'app', tags: { a: 'b' }, timestamp: T, kind: 'absolute', counter: { value: 1.0 } },
  { name: 'h', kind: 'absolute', timestamp: T, aggregated_histogram: { buckets: [{ upper_limit: 1, count: 2 }], count: 3, sum: 4.0 } },
  { name: 's', kind: 'absolute', timestamp: T, aggregated_summary: { quantiles: [{ quantile: 0.5, value: 1.0 }], count: 3, sum: 4.0 } },
];

test('robustness: prometheus-kafka-adapter, mutated records → samples or DecodeError only', () => {
  survive('prometheus-kafka-adapter', [utf8(JSON.stringify(ADAPTER))], [ADAPTER], 1);
});
test('robustness: telegraf-json', () => survive('telegraf-json', [utf8(JSON.stringify(TELEGRAF))], [TELEGRAF, TELEGRAF.metrics[0]], 2));
test('robustness: vector-json', () =>
  survive(
    'vector-json',
    VECTOR.map((v) => utf8(JSON.stringify(v))),
    VECTOR,
    3,
  ));
test('robustness: influx-line', () => {
  survive('influx-line', [utf8(`cpu,host=a\\ b,x=1 u=1.5,i=2i,s="q \\" z",b=t ${NS}\nmem f=1u\n# c\n`)], [], 4);
});

test('robustness: otlp-proto and otlp-json on mutated SDK exports', async () => {
  const app = new OtelProcess({ 'service.name': 'api', 'service.instance.id': 'i-1' });
  try {
    app.meter.createCounter('c').add(3, { k: 'v', n: 1 });
    app.meter.createHistogram('h', { unit: 'ms' }).record(12, { b: true });
    app.meter.createObservableGauge('g').addCallback((r) => r.observe(2.5));
    app.meter.createUpDownCounter('u').add(-4);
    const exports = [await app.export(), await app.export()];
    survive(
      'otlp-proto',
      exports.map((e) => e.proto),
      [],
      5,
    );
    survive(
      'otlp-json',
      exports.map((e) => e.json),
      exports.map((e) => JSON.parse(Buffer.from(e.json).toString())),
      6,
    );
  } finally {
    await app.shutdown();
  }
});
