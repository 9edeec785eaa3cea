/**
 * Snapshots of the core's components, each on its own: what they write, and what they refuse to
 * load. (The engine's checkpoint test holds them to bit-identical continuation together.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Snapshot, SnapshotReader } from '../../src/core/snapshot.js';
import { AlertLifecycle, FIRING, INACTIVE, PENDING } from '../../src/core/lifecycle.js';
import { SeasonalProfiles } from '../../src/core/seasonal.js';
import { SeriesStore } from '../../src/core/store.js';

const PARAMS = { for: { samples: 2, ms: 0 }, keepFiringFor: { samples: 3, ms: 0 }, repeatMs: 0, rearm: 2 };

function roundTrip(write: (s: Snapshot) => void): SnapshotReader {
  const s = new Snapshot('Test', 1);
  write(s);
  return new SnapshotReader(s.toBytes(), 'Test', 1);
}

test('a lifecycle writes open episodes whole and only the state of inactive slots', () => {
  const a = new AlertLifecycle(8);
  a.step(1, 0, 1000, PARAMS, 7); // pending
  a.step(2, 0, 1000, PARAMS, 7);
  a.step(2, 1, 2000, PARAMS, 9); // firing, tier 1
  a.step(3, 0, 1000, PARAMS, 7);
  a.step(3, -1, 2000, PARAMS); // held back: inactive again, with stale fields
  assert.deepEqual([a.state[1], a.state[2], a.state[3]], [PENDING, FIRING, INACTIVE]);
  const s = new Snapshot('Test', 1);
  a.writeSnapshot(s, 'lc.', 5);
  const bytes = s.toBytes();
  const r = new SnapshotReader(bytes, 'Test', 1);
  assert.deepEqual(Array.from(r.u32('lc.open')), [1, 2]);
  const b = new AlertLifecycle(8);
  b.readSnapshot(r, 'lc.', 5);
  for (const slot of [1, 2]) {
    for (const f of ['state', 'tier', 'breachRun', 'clearRun', 'activeAt', 'firedAt', 'lastSentAt', 'clearSince', 'peak'] as const) {
      assert.equal(b[f][slot], a[f][slot], `${f} of slot ${slot}`);
    }
  }
  // The next samples step both alike.
  for (const [tier, ts] of [
    [-1, 3000],
    [-1, 4000],
    [-1, 5000],
  ] as const) {
    assert.equal(b.step(2, tier, ts, PARAMS), a.step(2, tier, ts, PARAMS));
    assert.equal(b.step(1, 0, ts, PARAMS, 8), a.step(1, 0, ts, PARAMS, 8));
    assert.equal(b.step(3, 0, ts, PARAMS, 8), a.step(3, 0, ts, PARAMS, 8));
  }
  assert.throws(() => new AlertLifecycle(8).readSnapshot(new SnapshotReader(bytes, 'Test', 1), 'lc.', 6), /holds 5 slots, expected 6/);
});

test('daily profiles refuse a snapshot with another bucket count', () => {
  const a = new SeasonalProfiles(4, 24);
  const r = roundTrip((s) => a.writeSnapshot(s, 'season.', 4));
  assert.doesNotThrow(() => new SeasonalProfiles(4, 24).readSnapshot(r, 'season.'));
  assert.throws(() => new SeasonalProfiles(4, 48).readSnapshot(r, 'season.'), /24 buckets, this one 48/);
});

test('a store loads a snapshot only when empty and built alike', () => {
  const key = new TextEncoder().encode('cpu{host="a"}');
  const a = new SeriesStore({ stride: 8, maxSeries: 10 });
  a.insert(key, 0, key.length, 0, 8, 3);
  const r = () => roundTrip((s) => a.writeSnapshot(s, 'store.'));
  const full = new SeriesStore({ stride: 8, maxSeries: 10 });
  full.insert(key, 0, key.length, 0, 8, 3);
  assert.throws(() => full.readSnapshot(r(), 'store.'), /empty store/);
  assert.throws(() => new SeriesStore({ stride: 16, maxSeries: 10 }).readSnapshot(r(), 'store.'), /stride 8/);
  assert.throws(() => new SeriesStore({ stride: 8, maxSeries: 10, withShort: false }).readSnapshot(r(), 'store.'), /short windows true/);
  const b = new SeriesStore({ stride: 8, maxSeries: 10 });
  b.readSnapshot(r(), 'store.');
  assert.equal(b.find(key), a.find(key));
});
