import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesBudget } from '../../src/core/series-budget.js';
import { SeriesStore } from '../../src/core/store.js';
import { Snapshot, SnapshotReader } from '../../src/core/snapshot.js';

const key = (s: string) => new TextEncoder().encode(s);
const storeOf = (budget: SeriesBudget) => new SeriesStore({ stride: 2, maxSeries: 100, initialCapacity: 2, budget });
const add = (store: SeriesStore, name: string) => {
  const k = key(name);
  return store.insert(k, 0, k.length, 0, 2, 1);
};

test('stores sharing a budget hold at most its limit between them; a removed series frees room for any of them', () => {
  const budget = new SeriesBudget(5);
  const a = storeOf(budget);
  const b = storeOf(budget);
  for (const s of ['a1', 'a2', 'a3']) assert.ok(add(a, s) >= 0);
  assert.ok(add(b, 'b1') >= 0);
  assert.ok(add(b, 'b2') >= 0);
  assert.equal(add(b, 'b3'), -1, 'the sixth series of the worker is refused');
  assert.equal(add(a, 'a4'), -1, 'in whichever store it arrives');
  assert.equal(budget.inUse, 5);
  a.remove(a.find(key('a1')));
  assert.equal(budget.inUse, 4);
  assert.ok(add(b, 'b3') >= 0, 'room freed in one store is usable in another');
  assert.equal(add(a, 'a5'), -1);
  assert.equal(a.size + b.size, 5);
});

test('a dropped store gives its series back once; evictions give theirs back', () => {
  const budget = new SeriesBudget(4);
  const a = storeOf(budget);
  const b = storeOf(budget);
  for (const s of ['a1', 'a2', 'a3']) add(a, s);
  a.releaseBudget();
  a.releaseBudget();
  assert.equal(budget.inUse, 0);
  a.remove(a.find(key('a1'))); // a released store no longer counts its removals
  assert.equal(budget.inUse, 0);
  for (const s of ['b1', 'b2', 'b3', 'b4']) assert.ok(add(b, s) >= 0);
  b.lastSeen.fill(0);
  b.lastSeen[b.find(key('b4'))] = 10;
  assert.equal(b.evictIdle(5), 3);
  assert.equal(budget.inUse, 1);
});

test('a store loaded from a snapshot counts its series in the budget, past the limit if it must; new series wait', () => {
  const source = new SeriesStore({ stride: 2, maxSeries: 100, initialCapacity: 2 });
  for (const s of ['s1', 's2', 's3']) add(source, s);
  const snap = new Snapshot('Store', 1);
  source.writeSnapshot(snap, 'store.');
  const budget = new SeriesBudget(2);
  const restored = storeOf(budget);
  restored.readSnapshot(new SnapshotReader(snap.toBytes(), 'Store', 1), 'store.');
  assert.equal(restored.size, 3);
  assert.equal(budget.inUse, 3, 'the restored state is kept whole');
  assert.equal(add(restored, 's4'), -1);
  restored.remove(restored.find(key('s1')));
  restored.remove(restored.find(key('s2')));
  assert.ok(add(restored, 's4') >= 0, 'back under the limit: admitted again');
});
