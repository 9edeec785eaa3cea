/**
 * Compressed record batches: kcat (librdkafka) writes batches compressed with each codec Kafka
 * knows, and sigmawatch's kafkajs client (kafkaClient(), which registers the codecs) reads every
 * record intact; the worker scores zstd-compressed compact records. The topics are created with
 * `compression.type=<codec>`, so the broker stores every batch in that codec whatever kcat sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { compressSync } from 'snappy';
import { loadConfig } from '../../src/config/index.js';
import { kafkaClient } from '../../src/kafka/connection.js';
import { isXerialFramed, registerCompressionCodecs } from '../../src/kafka/compression.js';
import { encodeCompact } from '../../src/codec/samples.js';
import { createLogger } from '../../src/observe/logger.js';
import { freshTopic, requireBrokers, uniqueName, withTimeout } from '../support/kafka.js';
import { kcat, requireKcat } from '../support/kcat.js';
import { alertReader, ensureTopic, freshNames, startWorker, testConfig } from '../support/worker.js';
import { gaussian, mulberry32 } from '../support/random.js';

const RULES = new URL('../../../test/fixtures/worker-rules.yaml', import.meta.url).pathname;

const { CompressionCodecs, CompressionTypes } = kafkajs;

type CodecName = 'gzip' | 'snappy' | 'lz4' | 'zstd';
const TYPES: Record<CodecName, number> = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

interface CodecApi {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}
const codec = (name: CodecName): CodecApi => {
  registerCompressionCodecs();
  return (CompressionCodecs as unknown as Record<number, () => CodecApi>)[TYPES[name]]!();
};

/** Compressible but not trivial: repeated words with a counter, a few KB per batch. */
const payload = (i: number) => `sample ${i} ${'cpu_usage_seconds_total{host="web-1",mode="idle"} '.repeat(1 + (i % 5))}${i * 7}`;

test('snappy: the Java client’s xerial framing (several blocks) and a raw block both decode', async () => {
  const a = Buffer.from('first block '.repeat(50));
  const b = Buffer.from('second block '.repeat(40));
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const block = (data: Buffer) => {
    const c = compressSync(data);
    const len = Buffer.alloc(4);
    len.writeInt32BE(c.length);
    return Buffer.concat([len, c]);
  };
  const framed = Buffer.concat([header, block(a), block(b)]);
  assert.ok(isXerialFramed(framed));
  assert.deepEqual(await codec('snappy').decompress(framed), Buffer.concat([a, b]));
  assert.ok(!isXerialFramed(compressSync(a)));
  assert.deepEqual(await codec('snappy').decompress(compressSync(a)), a);
  await assert.rejects(codec('snappy').decompress(framed.subarray(0, framed.length - 3)), /overruns/);
});

test('codecs round-trip what they compress; zstd refuses to compress with a clear message', async () => {
  const data = Buffer.from(payload(12).repeat(20));
  for (const name of ['snappy', 'lz4'] as const) {
    const c = codec(name);
    const packed = await c.compress({ buffer: data });
    assert.ok(packed.length < data.length, `${name} compresses`);
    assert.deepEqual(await c.decompress(packed), data, `${name} round trip`);
  }
  await assert.rejects(codec('zstd').compress({ buffer: data }), /zstd: sigmawatch decodes zstd batches but does not produce them/);
});

test('kcat writes batches compressed with gzip, snappy, lz4 and zstd; kafkaClient() reads every record intact and in order', async () => {
  requireKcat();
  const brokers = requireBrokers();
  const config = loadConfig({ env: { KAFKA_BROKERS: brokers.join(',') } });
  const client = kafkaClient(config.kafka, brokers, createLogger({ level: 'silent' }));
  const N = 400;
  for (const name of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const topic = await freshTopic(`compression-${name}`, 1, [{ name: 'compression.type', value: name }]);
    const lines = Array.from({ length: N }, (_, i) => `key-${i % 7}\t${payload(i)}`);
    // linger: many records per batch, so a batch holds several records to decompress at once.
    const produced = await kcat(
      ['-b', brokers.join(','), '-P', '-t', topic, '-z', name, '-K', '\t', '-X', 'linger.ms=50'],
      lines.join('\n') + '\n',
    );
    assert.equal(produced.code, 0, `kcat -z ${name}: ${produced.stderr}`);

    const consumer = client.consumer({ groupId: uniqueName(`compression-${name}`), maxWaitTimeInMs: 100 });
    const received: Array<{ key: string; value: string }> = [];
    let failure: Error | undefined;
    consumer.on(consumer.events.CRASH, (e) => (failure = e.payload.error));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ key: String(message.key), value: String(message.value) });
        },
      });
      const deadline = Date.now() + 30_000;
      while (received.length < N && failure === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await withTimeout(consumer.disconnect(), 15_000, 'disconnecting the consumer');
    }
    assert.equal(failure, undefined, `${name}: the consumer crashed: ${failure?.message}`);
    assert.equal(received.length, N, `${name}: records read`);
    assert.deepEqual(
      received.map((r) => `${r.key}\t${r.value}`),
      lines,
      `${name}: every record intact, in order`,
    );
  }
});

test('the worker scores compact records that kcat wrote zstd-compressed, and alerts on the spike', async (t) => {
  requireKcat();
  const brokers = requireBrokers().join(',');
  const names = freshNames('worker-zstd');
  await ensureTopic(names.metrics, 1);
  const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-zstd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { stop, metrics } = await startWorker(testConfig(names, 1, {}, RULES));
  t.after(stop);
  const reader = await alertReader(names.alerts).start();
  t.after(() => reader.close());

  // kcat sends each file as one record (compact records are binary: no line delimiter is safe).
  const g = gaussian(mulberry32(7));
  const T0 = Date.UTC(2026, 10, 1);
  const files: string[] = [];
  const SPIKE = 50;
  for (let i = 0; i < 60; i++) {
    const f = join(dir, `r${String(i).padStart(3, '0')}`);
    writeFileSync(f, encodeCompact(T0 + i * 1000, i === SPIKE ? 160 : 100 + g()));
    files.push(f);
  }
  const series = 'cpu_usage{host="db-1"}';
  const produced = await kcat(['-b', brokers, '-P', '-t', names.metrics, '-z', 'zstd', '-k', series, '-X', 'linger.ms=100', ...files]);
  assert.equal(produced.code, 0, produced.stderr);

  await reader.waitFor(
    (items) => items.some((a) => a.status === 'firing' && a.ts === T0 + SPIKE * 1000),
    30_000,
    'an alert on the spike written zstd-compressed',
  );
  const a = reader.items.find((e) => e.status === 'firing')!;
  assert.equal(a.series, series);
  assert.equal(a.value, 160);
  const scored = (await metrics.registry.getSingleMetricAsString('sigmawatch_samples_total')).match(/outcome="scored"[^\n]* (\d+)/);
  assert.ok(scored !== null && Number(scored[1]) >= 60 - 10, `samples scored: ${scored?.[1]}`);
});
