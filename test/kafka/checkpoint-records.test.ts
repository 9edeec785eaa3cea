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
  manifestRecord,
  MANIFEST_FORMAT,
  parseChangelogKey,
  type Manifest,
} from '../../src/kafka/changelog-records.js';

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
