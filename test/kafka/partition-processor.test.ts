/** The per-partition step without a broker: records in, scores, dead letters with their reasons. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaMessage } from 'kafkajs';
import { PartitionProcessor, OUTCOME_NAMES, MAX_DEAD_LETTER_VALUE } from '../../src/kafka/partition-processor.js';
import { encodeCompact, encodeCompactPoints } from '../../src/codec/samples.js';
import { DEAD_LETTER_HEADERS } from '../../src/codec/dead-letter.js';
import { makeRule } from '../support/rules.js';

const T0 = Date.UTC(2026, 10, 3);

function processor(): PartitionProcessor {
  return new PartitionProcessor({
    topic: 'metrics', partition: 4, rules: [makeRule()], maxSeries: 100, initialCapacity: 8, idleTimeoutMs: 3_600_000, now: () => 42,
  });
}

let offset = 0;
function message(key: string | null, value: Buffer, headers: Record<string, string> = {}): KafkaMessage {
  return { key: key === null ? null : Buffer.from(key), value, headers, offset: String(offset++), timestamp: '0', attributes: 0, size: 0 } as unknown as KafkaMessage;
}

test('a bad key and an internal error become dead letters with reason, position and source; the next record still scores', () => {
  const p = processor();
  p.process(message('cpu{host="a"', encodeCompact(T0, 1), { trace: 'x' }));
  // Stand-in for a bug in the scoring path: the record must not wedge the partition.
  const observePoints = p.detector.observePoints;
  p.detector.observePoints = () => {
    throw new Error('boom');
  };
  p.process(message('cpu', encodeCompact(T0, 1)));
  p.detector.observePoints = observePoints;
  p.process(message('cpu', encodeCompactPoints([[T0, 1], [T0 + 1, 2], [T0 + 2, 3]])));
  const dead = p.takeDeadLetters();
  assert.equal(dead.length, 2);
  const [bad, internal] = dead.map((d) => d.headers as Record<string, string>);
  assert.equal(bad![DEAD_LETTER_HEADERS.reason], 'bad_key');
  assert.match(bad![DEAD_LETTER_HEADERS.error]!, /position|expected|unterminated|end/i);
  assert.equal(bad![DEAD_LETTER_HEADERS.sourcePartition], '4');
  assert.equal(bad![DEAD_LETTER_HEADERS.failedAt], '42');
  assert.equal(bad!.trace, 'x', 'original headers are kept');
  assert.equal(internal![DEAD_LETTER_HEADERS.reason], 'internal_error');
  assert.match(internal![DEAD_LETTER_HEADERS.error]!, /boom/);
  assert.equal(p.outcomes[OUTCOME_NAMES.indexOf('learning')], 3, 'the three points after them were observed');
  assert.equal(p.outcomes[OUTCOME_NAMES.indexOf('bad_key')], 1);
  assert.equal(p.detector.store.size, 1);
});

test('a dead letter of a huge value is truncated and says so (the whole record stays on the source topic)', () => {
  const p = processor();
  p.process(message('cpu', Buffer.alloc(MAX_DEAD_LETTER_VALUE + 100, 0x67)));
  const [d] = p.takeDeadLetters();
  const headers = d!.headers as Record<string, string>;
  assert.equal(headers[DEAD_LETTER_HEADERS.reason], 'bad_shape');
  assert.equal(headers['sigmawatch-truncated'], String(MAX_DEAD_LETTER_VALUE + 100));
  assert.equal((d!.value as Buffer).length, MAX_DEAD_LETTER_VALUE);
});
