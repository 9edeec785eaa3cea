/**
 * The real broker works and speaks Kafka to two independent clients: kafkajs (what sigmawatch
 * uses) and kcat (librdkafka). Needs KAFKA_BROKERS (set by `npm test`).
 */
import { spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { consumeMessages, freshTopic, kafkaClient, requireBrokers, withTimeout } from './support/kafka.js';

test('kafkajs: records produced to a fresh topic are consumed back by a fresh group, in order per partition', async () => {
  const topic = await freshTopic('broker-roundtrip', 3);
  const producer = kafkaClient('broker-test-producer').producer();
  const sent = Array.from({ length: 12 }, (_, i) => ({ key: `series-${i % 4}`, value: `sample-${i}` }));
  await withTimeout(producer.connect(), 15_000, 'connecting the producer');
  try {
    await withTimeout(producer.send({ topic, acks: -1, messages: sent }), 15_000, 'producing 12 records');
  } finally {
    await producer.disconnect();
  }

  const received = await consumeMessages(topic, sent.length, 30_000);

  const asText = received.map((m) => ({ key: m.key?.toString() ?? '', value: m.value?.toString() ?? '', partition: m.partition }));
  assert.deepEqual(asText.map(({ key, value }) => ({ key, value })).sort(byValue), [...sent].sort(byValue));
  for (const key of new Set(sent.map((m) => m.key))) {
    const ofKey = asText.filter((m) => m.key === key);
    assert.equal(new Set(ofKey.map((m) => m.partition)).size, 1, `all records of ${key} land in one partition`);
    assert.deepEqual(
      ofKey.map((m) => m.value),
      sent.filter((m) => m.key === key).map((m) => m.value),
      `records of ${key} keep their order`,
    );
  }
});

test('kcat (librdkafka) produces to and consumes from the broker, interoperating with kafkajs', async () => {
  requireKcat();
  const brokers = requireBrokers().join(',');
  const topic = await freshTopic('broker-kcat', 1);

  const kcatProduced = await kcat(['-b', brokers, '-P', '-t', topic, '-K', ':'], 'a:from-kcat-1\nb:from-kcat-2\n');
  assert.equal(kcatProduced.code, 0, `kcat -P failed:\n${kcatProduced.stderr}`);

  const producer = kafkaClient('broker-test-kcat').producer();
  await withTimeout(producer.connect(), 15_000, 'connecting the producer');
  try {
    await withTimeout(
      producer.send({ topic, acks: -1, messages: [{ key: 'c', value: 'from-kafkajs' }] }),
      15_000,
      'producing with kafkajs',
    );
  } finally {
    await producer.disconnect();
  }

  const consumed = await kcat(['-b', brokers, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k=%s\\n']);
  assert.equal(consumed.code, 0, `kcat -C failed:\n${consumed.stderr}`);
  assert.deepEqual(consumed.stdout.trimEnd().split('\n'), ['a=from-kcat-1', 'b=from-kcat-2', 'c=from-kafkajs']);

  const viaKafkajs = await consumeMessages(topic, 3, 30_000);
  assert.deepEqual(
    viaKafkajs.map((m) => `${m.key?.toString()}=${m.value?.toString()}`),
    ['a=from-kcat-1', 'b=from-kcat-2', 'c=from-kafkajs'],
  );
});

function byValue(a: { value: string }, b: { value: string }): number {
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

function requireKcat(): void {
  const probe = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  if (probe.error !== undefined) {
    assert.fail(
      `kcat is not installed (${probe.error.message}): install it with \`apt-get install -y kcat\` ` +
        '(Debian; .ci/run does this) — the interoperability test needs an independent Kafka client.',
    );
  }
}

const KCAT_TIMEOUT_MS = 30_000;

/** Runs kcat with `input` on stdin; kills it after 30 s. */
function kcat(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kcat ${args.join(' ')} did not finish within ${KCAT_TIMEOUT_MS} ms; stderr:\n${stderr}`));
    }, KCAT_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
