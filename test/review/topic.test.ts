/**
 * `sigmawatch review` on the real broker: events published to a fresh alerts topic with the
 * project's encoder (msgpack and JSON, a duplicate as at-least-once delivery makes them, one
 * record that is not an event) are reviewed exactly as the same events read from a file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAlert, type AlertEvent } from '../../src/codec/alerts.js';
import type { ReviewDocument } from '../../src/review/review.js';
import { runCli } from '../support/cli.js';
import { createAdmin, freshTopic, kafkaClient, requireBrokers, uniqueName, withTimeout } from '../support/kafka.js';
import { episode } from './helpers.js';

/** Three series over a day, two rules: flaps, a long page, one still firing, escalation-free. */
function events(): AlertEvent[] {
  const out: AlertEvent[] = [];
  for (let i = 0; i < 12; i++) {
    const series = `http_errors{host="h${i % 3}"}`;
    out.push(...episode({ series, start: i * 100, fired: i * 100 + 1, end: i * 100 + (i % 4 === 0 ? 2 : 40) }));
  }
  out.push(...episode({ series: 'queue_depth{q="a"}', rule: 'queues', start: 50, end: 400 }));
  out.push(...episode({ series: 'queue_depth{q="b"}', rule: 'queues', start: 900 }));
  return out;
}

test('review of a fresh alerts topic matches the review of the same events from a file; its reader group is deleted', async (t) => {
  const brokers = requireBrokers();
  const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-review-topic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const all = events();
  const file = join(dir, 'alerts.ndjson');
  writeFileSync(file, all.map((e) => encodeAlert(e, 'json').toString('utf8')).join('\n') + '\n');

  const topic = await freshTopic('review-alerts', 3);
  const producer = kafkaClient('sigmawatch-test-review').producer();
  await withTimeout(producer.connect(), 15_000, 'connecting the producer');
  try {
    const messages = all.map((e, i) => ({ key: e.series, value: encodeAlert(e, i % 2 === 0 ? 'msgpack' : 'json') }));
    messages.push({ key: all[3]!.series, value: encodeAlert(all[3]!, 'msgpack') }); // delivered twice
    messages.push({ key: 'bad', value: Buffer.from('not an alert') });
    await withTimeout(producer.send({ topic, acks: -1, messages }), 15_000, 'publishing the events');
  } finally {
    await producer.disconnect();
  }

  const group = uniqueName('review-test');
  const env = { KAFKA_BROKERS: brokers.join(',') };
  const fromTopic = await runCli(
    ['review', '--json', '--set', `kafka.topics.alerts=${topic}`, '--set', `kafka.group_id=${group}`, '--timeout', '60s'],
    { env, timeoutMs: 90_000 },
  );
  assert.equal(fromTopic.code, 0, fromTopic.stderr);
  const fromFile = await runCli(['review', '--json', '-f', file]);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  const a = JSON.parse(fromTopic.stdout) as ReviewDocument;
  const b = JSON.parse(fromFile.stdout) as ReviewDocument;

  assert.deepEqual(a.source, { topic });
  assert.deepEqual(a.rules, b.rules);
  assert.deepEqual(a.range, b.range);
  assert.equal(a.input.events, all.length);
  assert.equal(a.input.duplicates, 1);
  assert.equal(a.input.malformed.total, 1);
  assert.match(Object.values(a.input.malformed.byReason)[0]!.first, new RegExp(`^${topic}/\\d@\\d+$`));
  assert.match(fromTopic.stderr, /skipped \(not_msgpack\)/);
  // The figures themselves, so that two equally wrong reviews cannot pass.
  assert.deepEqual(
    a.rules.map((r) => [r.rule, r.pages, r.flaps, r.stillFiring, r.series]),
    [
      ['default', 12, 3, 0, 3],
      ['queues', 2, 0, 1, 2],
    ],
  );

  const admin = await createAdmin();
  try {
    const { groups } = await admin.listGroups();
    assert.deepEqual(
      groups.map((g) => g.groupId).filter((id) => id.startsWith(`${group}.review.`)),
      [],
      'the throwaway reader group is deleted',
    );
  } finally {
    await admin.disconnect();
  }
});

test('review of a topic that does not exist exits 1 naming it, without waiting for the timeout', async () => {
  const topic = uniqueName('review-missing');
  const started = Date.now();
  const r = await runCli(['review', '--set', `kafka.topics.alerts=${topic}`, '--timeout', '60s'], {
    env: { KAFKA_BROKERS: requireBrokers().join(',') },
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`topic ${topic} does not exist`));
  assert.ok(Date.now() - started < 30_000, 'answered without waiting for the read timeout');
});
