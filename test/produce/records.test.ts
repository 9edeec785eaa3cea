/** Records as the producer would send them, decoded by the worker's decoder (no Kafka). */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeSamplesInto, encodeCompact, SampleBatch } from '../../src/codec/samples.js';
import { TelemetryGenerator } from '../../src/produce/generator.js';
import { RecordSource, SAMPLE_FORMATS, type SampleFormat, type SampleRecord } from '../../src/produce/records.js';

const T0 = Date.UTC(2026, 0, 1);

/** Draws `samples` samples in chunks of at most `maxRecords` records. */
function drain(
  format: SampleFormat,
  samples: number,
  opts: { series: number; points?: number; maxRecords?: number; partitions?: number[] },
) {
  const gen = new TelemetryGenerator({ series: opts.series, seed: 4, startTs: T0 });
  const source = new RecordSource(gen, format, opts.maxRecords ?? 64, opts.points ?? 1, opts.partitions);
  const records: SampleRecord[] = [];
  const chunkSizes: number[] = [];
  let sent = 0;
  while (sent < samples) {
    const chunk = source.next(opts.maxRecords ?? 64, samples - sent);
    assert.ok(chunk.records.length > 0 && chunk.records.length <= (opts.maxRecords ?? 64));
    chunkSizes.push(chunk.records.length);
    records.push(...chunk.records);
    sent += chunk.samples;
  }
  assert.equal(sent, samples, 'never more than asked for');
  return { gen, source, records, chunkSizes };
}

/** Decodes records into per-series [ts, value] lists, checking keys on the way. */
function decodeAll(records: SampleRecord[], ids: readonly string[]): Map<string, Array<[number, number]>> {
  const batch = new SampleBatch();
  const bySeries = new Map<string, Array<[number, number]>>();
  for (const r of records) {
    const key = r.key.toString('utf8');
    assert.ok(ids.includes(key), `key ${key} is a series id`);
    decodeSamplesInto(r.key, r.value, batch);
    if (batch.derivedKey !== null) assert.equal(batch.derivedKey, key, 'the verbose body names the key series');
    const points = bySeries.get(key) ?? [];
    for (let j = 0; j < batch.count; j++) points.push([batch.ts[j]!, batch.values[j]!]);
    bySeries.set(key, points);
  }
  return bySeries;
}

test('every format decodes to the generator samples, keyed by the canonical series id', () => {
  let reference: Map<string, Array<[number, number]>> | undefined;
  for (const format of SAMPLE_FORMATS) {
    const { gen, source, records } = drain(format, 12 * 40, { series: 12, points: 8 });
    assert.equal(records.length, format === 'compact-multi' ? 12 * 5 : 12 * 40);
    const bySeries = decodeAll(records, gen.ids);
    assert.equal(bySeries.size, 12);
    for (const [id, points] of bySeries) {
      assert.equal(points.length, 40, `${format}: ${id}`);
      points.forEach(([ts], k) => assert.equal(ts, T0 + k * 1000, `${format}: ${id} sample ${k} in order`));
    }
    // The same seed gives the same values in every format.
    if (reference === undefined) reference = bySeries;
    else assert.deepEqual(bySeries, reference, `${format} carries the same samples as ${SAMPLE_FORMATS[0]}`);
    assert.equal(source.firstTs, T0);
    assert.equal(source.lastTs, T0 + 39 * 1000);
  }
});

test('compact records are the codec encoding; verbose-json is plain JSON text', () => {
  const compact = drain('compact', 3, { series: 3 });
  const first = compact.records[0]!;
  const batch = new SampleBatch();
  decodeSamplesInto(first.key, first.value, batch);
  assert.deepEqual(first.value, encodeCompact(batch.ts[0]!, batch.values[0]!));

  const json = drain('verbose-json', 3, { series: 3 });
  const body = JSON.parse(json.records[1]!.value.toString('utf8')) as Record<string, unknown>;
  const spec = json.gen.describe(1);
  assert.deepEqual(Object.keys(body), ['name', 'labels', 'ts', 'value']);
  assert.equal(body.name, spec.name);
  assert.deepEqual(body.labels, spec.labels);
  assert.equal(body.ts, T0);
  assert.equal(typeof body.value, 'number');
});

test('compact-multi: K points per record; a short remainder is spread evenly over the series', () => {
  // 10 series, K = 4: two full passes (80 samples), then 17 left = 1 point each + 7 series with 2.
  const { records, gen } = drain('compact-multi', 97, { series: 10, points: 4, maxRecords: 3 });
  const batch = new SampleBatch();
  const counts = records.map((r) => (decodeSamplesInto(r.key, r.value, batch), batch.count));
  assert.deepEqual(counts, [...Array(20).fill(4), 2, 2, 2, 2, 2, 2, 2, 1, 1, 1]);
  for (let i = 0; i < 10; i++) assert.equal(gen.drawnOf(i), i < 7 ? 10 : 9);
  // Fewer samples left than series: one point each for the first few.
  const few = drain('compact-multi', 3, { series: 10, points: 4 });
  assert.deepEqual(
    few.records.map((r) => r.key.toString()),
    few.gen.ids.slice(0, 3),
  );
});

test('records carry the series partition when given one', () => {
  const partitions = Array.from({ length: 6 }, (_, i) => i % 3);
  const { records, gen } = drain('compact', 18, { series: 6, partitions });
  for (const r of records) assert.equal(r.partition, partitions[gen.ids.indexOf(r.key.toString())]);
  assert.equal(drain('compact', 1, { series: 6 }).records[0]!.partition, undefined);
  assert.throws(() => new RecordSource(gen, 'compact', 10, 1, [0, 1]), /2 partitions for 6 series/);
  assert.throws(() => new RecordSource(gen, 'csv' as SampleFormat, 10), /`format` to be one of compact, compact-multi/);
});
