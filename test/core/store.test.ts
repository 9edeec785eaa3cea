import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesStore } from '../../src/core/store.js';
import { KeyTable } from '../../src/core/key-table.js';
import { mulberry32, gaussian } from '../support/random.js';

const enc = new TextEncoder();
const key = (i: number) => enc.encode(`cpu_seconds_total{host="host-${i}",mode="idle"}`);

function add(store: SeriesStore, k: Uint8Array, window = 8, short = 3): number {
  assert.equal(store.find(k), -1);
  return store.insert(k, 0, k.length, 0, window, short);
}

test('key table agrees with a Map under random inserts and removals', () => {
  const rand = mulberry32(11);
  const table = new KeyTable(16);
  let capacity = 16;
  const model = new Map<string, number>();
  const freeSlots: number[] = [];
  let nextSlot = 0;
  for (let op = 0; op < 50_000; op++) {
    const id = Math.floor(rand() * 3000);
    const text = `m{i="${id}"}`;
    const bytes = enc.encode(text);
    const found = table.find(bytes, 0, bytes.length);
    assert.equal(found, model.get(text) ?? -1, `lookup of ${text} at op ${op}`);
    if (found < 0 && rand() < 0.7) {
      const slot = freeSlots.pop() ?? nextSlot++;
      if (slot >= capacity) {
        capacity *= 2;
        table.growSlots(capacity);
      }
      table.insert(bytes, 0, bytes.length, slot);
      model.set(text, slot);
    } else if (found >= 0 && rand() < 0.5) {
      table.remove(found);
      model.delete(text);
      freeSlots.push(found);
    }
  }
  assert.equal(table.size, model.size);
  for (const [text, slot] of model) assert.equal(table.find(enc.encode(text), 0, text.length), slot);
});

test('a key table given its key bytes up front inserts them all without moving its arena again', () => {
  const keys = Array.from({ length: 5000 }, (_, i) => key(i));
  // As a store restores: built small, grown to the snapshot's slots, then filled.
  const table = new KeyTable(16);
  table.growSlots(keys.length);
  table.reserveKeyBytes(keys.reduce((n, k) => n + k.length + 7, 0));
  const arena = table.arenaBytes;
  keys.forEach((k, slot) => table.insert(k, 0, k.length, slot));
  assert.equal(table.arenaBytes, arena, 'the arena was laid out again while inserting');
  keys.forEach((k, slot) => assert.equal(table.find(k, 0, k.length), slot));
  const unreserved = new KeyTable(16);
  unreserved.growSlots(keys.length);
  const before = unreserved.arenaBytes;
  keys.forEach((k, slot) => unreserved.insert(k, 0, k.length, slot));
  assert.ok(unreserved.arenaBytes > before, 'without the reservation the arena grows (the test would show nothing)');
});

test('lookups use the key bytes in place: a key inside a larger buffer finds the same slot', () => {
  const store = new SeriesStore({ stride: 8, maxSeries: 10 });
  const k = key(7);
  const slot = add(store, k);
  const pooled = new Uint8Array(k.length + 20);
  pooled.set(k, 13);
  assert.equal(store.find(pooled, 13, 13 + k.length), slot);
  assert.equal(store.find(pooled, 12, 12 + k.length), -1);
  assert.equal(store.keyString(slot), 'cpu_seconds_total{host="host-7",mode="idle"}');
});

test('grows by doubling and refuses series beyond maxSeries', () => {
  const store = new SeriesStore({ stride: 8, maxSeries: 100, initialCapacity: 4 });
  for (let i = 0; i < 100; i++) assert.ok(add(store, key(i)) >= 0);
  assert.equal(store.size, 100);
  assert.equal(store.capacity, 100);
  assert.equal(store.insert(key(100), 0, key(100).length, 0, 8, 3), -1);
  for (let i = 0; i < 100; i++) assert.ok(store.find(key(i)) >= 0, `series ${i} survives growth`);
});

test('idle series are evicted on sample time and their slots reused', () => {
  const store = new SeriesStore({ stride: 8, maxSeries: 3 });
  const slots = [0, 1, 2].map((i) => add(store, key(i)));
  store.lastSeen[slots[0]] = 1000;
  store.lastSeen[slots[1]] = 5000;
  store.lastSeen[slots[2]] = 9000;
  const seen: number[] = [];
  assert.equal(
    store.evictIdle(6000, (s) => seen.push(s)),
    2,
  );
  assert.deepEqual(seen, [slots[0], slots[1]]);
  assert.equal(store.find(key(0)), -1);
  assert.equal(store.find(key(2)), slots[2]);
  const reused = add(store, key(3));
  assert.ok(reused === slots[0] || reused === slots[1]);
  assert.equal(store.windows.count[reused], 0, 'a reused slot starts empty');
  assert.ok(add(store, key(4)) >= 0);
  assert.equal(store.insert(key(5), 0, key(5).length, 0, 8, 3), -1, 'full again');
});

test('snapshot/restore reproduces every slab and the scores that follow', () => {
  const g = gaussian(mulberry32(3));
  const a = new SeriesStore({ stride: 16, maxSeries: 1000, initialCapacity: 8 });
  const keys = Array.from({ length: 300 }, (_, i) => key(i));
  for (const k of keys) a.insert(k, 0, k.length, 0, 16, 4);
  for (let round = 0; round < 40; round++) {
    keys.forEach((k, i) => {
      const slot = a.find(k);
      a.windows.push(slot, 1e6 + i + g());
      a.lastSeen[slot] = round * 1000 + i;
    });
  }
  a.evictIdle(39_000 + 50); // drops series 0..49, leaving holes and a free list
  const b = SeriesStore.restore(a.snapshot());
  assert.equal(b.size, a.size);
  for (const name of [
    'ring',
    'head',
    'count',
    'window',
    'shortWindow',
    'shift',
    'shortShift',
    'sum',
    'sumSq',
    'shortSum',
    'shortSumSq',
  ] as const) {
    assert.deepEqual(
      b.windows[name].subarray(0, 300 * (name === 'ring' ? 16 : 1)),
      a.windows[name].subarray(0, 300 * (name === 'ring' ? 16 : 1)),
      name,
    );
  }
  assert.deepEqual(b.lastSeen.subarray(0, 300), a.lastSeen.subarray(0, 300));
  for (let slot = 0; slot < 300; slot++) assert.equal(b.isAlive(slot), a.isAlive(slot));
  keys.forEach((k) => assert.equal(b.find(k), a.find(k)));
  // The same future gives the same statistics, bit for bit, and new series land in the same slots.
  for (let round = 0; round < 25; round++) {
    keys.slice(50).forEach((k, i) => {
      const x = 1e6 + i + g();
      a.windows.push(a.find(k), x);
      b.windows.push(b.find(k), x);
    });
  }
  keys.slice(50).forEach((k) => {
    assert.equal(b.windows.mean(b.find(k)), a.windows.mean(a.find(k)));
    assert.equal(b.windows.variance(b.find(k)), a.windows.variance(a.find(k)));
  });
  assert.equal(add(b, key(999)), add(a, key(999)));
});

test('restore rejects bytes that are not a store snapshot', () => {
  assert.throws(() => SeriesStore.restore(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), /not a sigmawatch snapshot/);
});
