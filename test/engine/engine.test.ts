/** The engine without a broker: records in, scores, dead letters with their reasons. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaMessage } from 'kafkajs';
import { Engine } from '../../src/engine/engine.js';
import { OUTCOME_NAMES } from '../../src/core/outcome.js';
import { encodeCompact, encodeCompactPoints } from '../../src/codec/samples.js';
import { DEAD_LETTER_HEADERS, MAX_DEAD_LETTER_VALUE } from '../../src/codec/dead-letter.js';
import { makeRule } from '../support/rules.js';

const T0 = Date.UTC(2026, 10, 3);

function processor(): Engine {
  const engine = new Engine({
    source: { topic: 'metrics', partition: 4 },
    rules: [makeRule()],
    maxSeries: 100,
    initialCapacity: 8,
    idleTimeoutMs: 3_600_000,
    flapWindowMs: 0,
  });
  engine.begin(42);
  return engine;
}

let offset = 0;
function message(key: string | null, value: Buffer, headers: Record<string, string> = {}): KafkaMessage {
  return {
    key: key === null ? null : Buffer.from(key),
    value,
    headers,
    offset: String(offset++),
    timestamp: '0',
    attributes: 0,
    size: 0,
  } as unknown as KafkaMessage;
}

test('a bad key and an internal error become dead letters with reason, position and source; the next record still scores', () => {
  const p = processor();
  p.process(message('cpu{host="a"', encodeCompact(T0, 1), { trace: 'x' }));
  // Stand-in for a bug in the scoring path: the record must not wedge the partition.
  const observeSlot = p.detector.observeSlot;
  p.detector.observeSlot = () => {
    throw new Error('boom');
  };
  p.process(message('cpu', encodeCompact(T0, 1)));
  p.detector.observeSlot = observeSlot;
  p.process(
    message(
      'cpu',
      encodeCompactPoints([
        [T0, 1],
        [T0 + 1, 2],
        [T0 + 2, 3],
      ]),
    ),
  );
  const result = p.finish();
  const dead = result.deadLetters;
  assert.equal(dead.length, 2);
  const [bad, internal] = dead.map((d) => d.headers as Record<string, string>);
  assert.equal(bad![DEAD_LETTER_HEADERS.reason], 'bad_key');
  assert.match(bad![DEAD_LETTER_HEADERS.error]!, /position|expected|unterminated|end/i);
  assert.equal(bad![DEAD_LETTER_HEADERS.sourcePartition], '4');
  assert.equal(bad![DEAD_LETTER_HEADERS.failedAt], '42');
  assert.equal(bad!.trace, 'x', 'original headers are kept');
  assert.equal(internal![DEAD_LETTER_HEADERS.reason], 'internal_error');
  assert.match(internal![DEAD_LETTER_HEADERS.error]!, /boom/);
  assert.equal(result.outcomes[OUTCOME_NAMES.indexOf('learning')], 3, 'the three points after them were observed');
  assert.equal(result.outcomes[OUTCOME_NAMES.indexOf('bad_key')], 1);
  assert.equal(p.detector.store.size, 1);
});

test('a dead letter of a huge value is truncated and says so (the whole record stays on the source topic)', () => {
  const p = processor();
  p.process(message('cpu', Buffer.alloc(MAX_DEAD_LETTER_VALUE + 100, 0x67)));
  const [d] = p.finish().deadLetters;
  const headers = d!.headers as Record<string, string>;
  assert.equal(headers[DEAD_LETTER_HEADERS.reason], 'bad_shape');
  assert.equal(headers['sigmawatch-truncated'], String(MAX_DEAD_LETTER_VALUE + 100));
  assert.equal((d!.value as Buffer).length, MAX_DEAD_LETTER_VALUE);
});

test('a key that is not valid UTF-8 is a bad_key dead letter, and the series is never admitted', () => {
  const p = processor();
  const key = Buffer.from([0x63, 0x70, 0x75, 0xff]); // "cpu" + a byte no UTF-8 text has
  const dead = p.process({ key, value: encodeCompact(T0, 1), offset: '7' });
  assert.equal(dead?.reason, 'bad_key');
  assert.match(String(dead?.headers[DEAD_LETTER_HEADERS.error]), /not valid UTF-8/);
  const result = p.finish();
  assert.equal(result.outcomes[OUTCOME_NAMES.indexOf('bad_key')], 1);
  assert.equal(
    result.deadLetterCounts.reduce((a, b) => a + b, 0),
    1,
  );
  assert.equal(p.seriesCount, 0);
});

test("an alert's series is the record key, and its labels were parsed once at admission", () => {
  const p = new Engine({
    source: { topic: 'm', partition: 0 },
    rules: [makeRule({ minSamples: 3 })],
    maxSeries: 10,
    idleTimeoutMs: Infinity,
    flapWindowMs: 0,
  });
  p.begin(0);
  const key = Buffer.from('latency{host="é"}');
  for (let i = 0; i < 5; i++) p.process({ key, value: encodeCompact(T0 + i, 10 + (i % 2)), offset: String(i) });
  p.process({ key, value: encodeCompact(T0 + 9, 1e6), offset: '9' });
  const [fired] = p.finish().alerts;
  assert.equal(fired?.event.series, key.toString('utf8'));
  assert.deepEqual(fired?.event.labels, { host: 'é' });
  assert.equal(Buffer.from(fired!.event.series).equals(key), true);
});
