import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkMessages, approximateSize } from '../../src/kafka/chunks.js';

test('an alert storm is split into requests under the byte and record limits, order kept', () => {
  const messages = Array.from({ length: 5000 }, (_, i) => ({ key: `cpu{host="h${i}"}`, value: Buffer.alloc(400, 1) }));
  const chunks = chunkMessages(messages, 512 * 1024, 2000);
  assert.ok(chunks.length >= 4);
  for (const c of chunks) {
    assert.ok(c.length <= 2000);
    assert.ok(c.reduce((s, m) => s + approximateSize(m), 0) <= 512 * 1024);
  }
  assert.deepEqual(chunks.flat(), messages);
});

test('a record larger than the byte limit goes alone; headers count', () => {
  const big = { key: 'k', value: Buffer.alloc(600 * 1024) };
  const small = { key: 'k', value: Buffer.alloc(10), headers: { 'sigmawatch-error': 'x'.repeat(100) } };
  assert.ok(approximateSize(small) > 110);
  assert.deepEqual(
    chunkMessages([small, big, small]).map((c) => c.length),
    [1, 1, 1],
  );
});
