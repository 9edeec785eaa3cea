import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMap } from '../../../src/ingest/formats/bounded-map.js';
import { createDecoder } from '../../../src/ingest/formats/index.js';

test('BoundedMap: never holds more than 2 × capacity entries, however many keys pass through', () => {
  const map = new BoundedMap<number, number>(100);
  for (let i = 0; i < 10_000; i++) {
    map.set(i, i);
    assert.ok(map.size <= 200, `size ${map.size} after ${i + 1} keys`);
  }
});

test('BoundedMap: a key used within a generation survives; one idle for a whole generation is forgotten', () => {
  const map = new BoundedMap<string, number>(3);
  map.set('live', 1);
  for (let i = 0; i < 20; i++) {
    map.set(`k${i}`, i);
    assert.equal(map.get('live'), 1, `live is read after every insert (${i})`);
  }
  map.set('idle', 2);
  for (let i = 0; i < 6; i++) map.set(`x${i}`, i); // two generations of newer keys
  assert.equal(map.get('idle'), undefined);
});

test('BoundedMap: set overwrites in either generation, get returns the newest value', () => {
  const map = new BoundedMap<string, number>(2);
  map.set('a', 1);
  map.set('b', 2);
  map.set('c', 3); // a and b are now the old generation
  map.set('a', 10);
  assert.equal(map.get('a'), 10);
  map.set('d', 4);
  map.set('e', 5); // rotates: the generation holding the stale 'a' is gone
  assert.equal(map.get('a'), 10);
});

test('createDecoder: maxSeries must be an integer from 1 up', () => {
  assert.throws(() => createDecoder('influx-line', { maxSeries: 0 }), /maxSeries must be an integer from 1 up, got 0/);
  assert.throws(() => createDecoder('influx-line', { maxSeries: 1.5 }), /got 1.5 \(number\)/);
});
