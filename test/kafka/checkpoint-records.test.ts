/**
 * The changelog's record format without a broker: a checkpoint cut into chunks and a manifest,
 * read back in offset order; a reader assembles only what a manifest names, whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from 'kafkajs';
import {
  ChangelogImage,
  CHUNK_BYTES,
  chunkRecords,
  keysOfManifest,
  manifestRecord,
  MANIFEST_FORMAT,
  parseChangelogKey,
  summarizeChunkKeys,
  type Manifest,
} from '../../src/kafka/changelog-records.js';
import { formatPointer, parsePointer } from '../../src/kafka/checkpoint-pointer.js';
import { planRestore } from '../../src/kafka/restore-plan.js';
import { Engine } from '../../src/engine/engine.js';
import { encodeCheckpoint } from '../../src/engine/checkpoint.js';
import { rulesFingerprint } from '../../src/engine/fingerprint.js';
import { makeRule } from '../support/rules.js';

function checkpointBytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
}

function manifest(partition: number, generation: string, bytes: Uint8Array, chunks: number, offset = '100'): Manifest {
  return { format: MANIFEST_FORMAT, partition, generation, chunks, bytes: bytes.length, offset, crc: 0, group: 'g', writtenAt: 0 };
}

/** The records of one checkpoint write, as the writer sends them. */
function write(partition: number, generation: string, bytes: Uint8Array): Message[] {
  const chunks = chunkRecords(partition, generation, bytes);
  return [...chunks, manifestRecord(manifest(partition, generation, bytes, chunks.length))];
}

function image(records: Message[]): ChangelogImage {
  const img = new ChangelogImage();
  for (const r of records) img.add(Buffer.from(r.key as string), r.value === null ? null : Buffer.from(r.value as Buffer | string));
  return img;
}

test('a checkpoint is cut into chunks under the broker limit and assembled back byte for byte', () => {
  const bytes = checkpointBytes(2 * CHUNK_BYTES + 123, 1);
  const records = write(3, 'gen1', bytes);
  assert.equal(records.length, 4);
  for (const r of records.slice(0, 3)) assert.ok((r.value as Buffer).length <= CHUNK_BYTES);
  assert.deepEqual(
    records.map((r) => r.key),
    ['3/gen1/0', '3/gen1/1', '3/gen1/2', '3/manifest'],
  );
  const [c] = image(records).candidates(3, 3);
  assert.ok(c!.bytes !== null);
  assert.deepEqual(new Uint8Array(c!.bytes), bytes);
  assert.equal(chunkRecords(0, 'g', new Uint8Array(10)).length, 1);
});

test('newest manifest first; a generation missing a chunk is incomplete, never half-assembled', () => {
  const old = checkpointBytes(CHUNK_BYTES + 5, 2);
  const half = checkpointBytes(CHUNK_BYTES + 7, 3);
  const records = [...write(0, 'a', old), ...write(0, 'b', half)];
  // Generation c died after its first chunk: no manifest, nobody reads it.
  records.push(...chunkRecords(0, 'c', checkpointBytes(CHUNK_BYTES * 2, 4)).slice(0, 1));
  // b's second chunk was removed (a tombstone, e.g. by a writer that replaced it).
  records.push({ key: '0/b/1', value: null });
  const candidates = image(records).candidates(0, 3);
  assert.deepEqual(
    candidates.map((c) => c.manifest.generation),
    ['b', 'a'],
  );
  assert.equal(candidates[0]!.bytes, null);
  assert.match((candidates[0] as { problem: string }).problem, /chunk 1 of 2 of generation b is missing/);
  assert.deepEqual(new Uint8Array(candidates[1]!.bytes!), old);
  assert.deepEqual(image(records).staleChunkKeys(0, 'a').sort(), ['0/b/0', '0/c/0']);
  assert.deepEqual(image(records).candidates(1, 3), [], 'another partition has none');
});

test('a manifest that cannot be read is reported, the others still serve', () => {
  const bytes = checkpointBytes(100, 5);
  const records = [
    ...write(1, 'a', bytes),
    { key: '1/manifest', value: 'not json' },
    { key: '1/manifest', value: JSON.stringify({ format: 9 }) },
    { key: '1/manifest', value: JSON.stringify({ format: MANIFEST_FORMAT, partition: 2 }) },
  ];
  const img = image(records);
  assert.deepEqual(
    img.badManifests(1).map((b) => b.problem),
    ['the manifest is not JSON', 'manifest format 9, this version reads 1', 'the manifest lacks a field or has one of the wrong type'],
  );
  assert.deepEqual(new Uint8Array(img.candidates(1, 3)[0]!.bytes!), bytes);
});

test('changelog keys: partition, manifest or generation and chunk; anything else is ignored', () => {
  assert.deepEqual(parseChangelogKey('12/manifest'), { partition: 12, chunk: null });
  assert.deepEqual(parseChangelogKey('3/mx1-ab/7'), { partition: 3, generation: 'mx1-ab', chunk: 7 });
  for (const bad of ['', 'manifest', '-1/manifest', 'x/manifest', '1/gen', '1/gen/x', '1//0', '1/gen/0/extra', '/manifest'])
    assert.equal(parseChangelogKey(bad), null, bad);
  const img = new ChangelogImage();
  img.add(Buffer.from('someone else'), Buffer.from('x'));
  img.add(null, Buffer.from('x'));
  assert.deepEqual(img.candidates(0, 3), []);
});

test('a manifest lists the chunks its write replaces; a reader learns from it the keys to remove, its own included', () => {
  const bytes = checkpointBytes(2 * CHUNK_BYTES + 1, 6);
  const replaces = summarizeChunkKeys(['4/a/0', '4/a/1', '4/b/2', '4/manifest', 'junk']);
  assert.deepEqual(replaces, { a: 2, b: 3 });
  const m = { ...manifest(4, 'c', bytes, 3), replaces };
  const [c] = image([...chunkRecords(4, 'c', bytes), manifestRecord(m)]).candidates(4, 3);
  assert.deepEqual(c!.manifest.replaces, { a: 2, b: 3 }, 'read back from the record');
  assert.deepEqual(keysOfManifest(c!.manifest), {
    own: ['4/c/0', '4/c/1', '4/c/2'],
    replaced: ['4/a/0', '4/a/1', '4/b/0', '4/b/1', '4/b/2'],
  });
  for (const bad of [[], { a: 0 }, { 'x/y': 1 }, { a: 2 ** 30 }, { a: 'two' }]) {
    const img = image([manifestRecord({ ...m, replaces: bad as never })]);
    assert.equal(img.badManifests(4).length, 1, `replaces ${JSON.stringify(bad)} is refused`);
  }
});

test('a checkpoint pointer reads back as written; metadata sigmawatch did not write is no pointer', () => {
  const pointer = { changelogPartition: 7, offset: 123_456_789_012n };
  assert.equal(formatPointer(pointer), 'checkpoint 7@123456789012');
  assert.deepEqual(parsePointer(formatPointer(pointer)), pointer);
  for (const other of [
    null,
    undefined,
    '',
    'checkpoint 7@',
    'checkpoint -1@5',
    'checkpoint 7@5 ',
    'some other tool',
    'checkpoint 7@99999999999999999999',
  ])
    assert.equal(parsePointer(other), null, JSON.stringify(other));
});

test('a restore marks for removal the other generations, those its manifest replaced, and its own (once a newer one is written)', () => {
  const rules = [makeRule()];
  const options = { rules, maxSeries: 10, idleTimeoutMs: Infinity, flapWindowMs: 0, source: { topic: 'm', partition: 0 } };
  const fingerprint = rulesFingerprint(rules);
  const engine = new Engine(options);
  engine.begin(0);
  engine.observe(new TextEncoder().encode('up{job="a"}'), 1000, 1);
  engine.finish();
  const bytes = encodeCheckpoint(engine, 100n, fingerprint);
  const b = chunkRecords(0, 'b', bytes);
  const records = [
    ...write(0, 'a', bytes),
    ...b,
    manifestRecord({ ...manifest(0, 'b', bytes, b.length), replaces: { x: 2 } }),
    ...chunkRecords(0, 'c', bytes), // a write that died before its manifest
  ];
  const plan = planRestore(image(records), 0, 100n, { engineOptions: options, fingerprint, group: 'g' });
  assert.equal(plan.result, 'restored');
  assert.equal(plan.engine!.seriesCount, 1);
  assert.deepEqual([...plan.staleKeys].sort(), ['0/a/0', '0/b/0', '0/c/0', '0/x/0', '0/x/1']);
  assert.deepEqual(plan.passedOver, []);
  const ahead = planRestore(image(records), 0, 99n, { engineOptions: options, fingerprint, group: 'g' });
  assert.equal(ahead.result, 'ahead');
  assert.deepEqual(
    ahead.passedOver.map((p) => [p.generation, p.reason]),
    [
      ['b', 'ahead'],
      ['a', 'ahead'],
    ],
    'each one passed over, newest first, for the caller to log',
  );
});
