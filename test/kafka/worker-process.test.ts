/**
 * The worker as operators run it: `sigmawatch run` processes on the real broker. Failover after
 * kill -9, graceful shutdown that commits what it processed, a bad config at start-up, and
 * interoperability with an independent client (kcat).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { Message } from 'kafkajs';
import { encodeCompact } from '../../src/codec/samples.js';
import { formatSeriesId } from '../../src/codec/series-id.js';
import { decodeAlert } from '../../src/codec/alerts.js';
import { mulberry32, gaussian } from '../support/random.js';
import { requireBrokers } from '../support/kafka.js';
import { runCli } from '../support/cli.js';
import {
  alertReader,
  committedOffsets,
  ensureTopic,
  freshNames,
  sendRecords,
  startWorker,
  testConfig,
  topicOverrides,
  waitUntil,
  WorkerProcess,
} from '../support/worker.js';

const T0 = Date.UTC(2026, 10, 2);
const SEC = 1000;

function noiseRound(series: string[], r: number, g: () => number): Message[] {
  return series.map((s) => ({ key: s, value: encodeCompact(T0 + r * SEC, 100 + g()) }));
}

const joinedWith = (l: Record<string, unknown>) => l.msg === 'joined group';
const assignedCount = (l: Record<string, unknown>) =>
  Object.values((l.assignment ?? {}) as Record<string, number[]>).reduce((n, parts) => n + parts.length, 0);

test('two workers share 6 partitions; after kill -9 of one, the other takes over and alerts every later anomaly', async (t) => {
  const names = freshNames('worker-failover');
  await ensureTopic(names.metrics, 6);
  const overrides = topicOverrides(names, 6);
  const a = new WorkerProcess(overrides);
  t.after(() => a.dispose());
  await a.waitForLog(joinedWith, 30_000, 'worker A to join');
  const b = new WorkerProcess(overrides);
  t.after(() => b.dispose());
  // Both hold partitions once the group has rebalanced to two members.
  await b.waitForLog((l) => joinedWith(l) && assignedCount(l) > 0, 30_000, 'worker B to get partitions');
  await a.waitForLog((l) => joinedWith(l) && assignedCount(l) > 0 && assignedCount(l) < 6, 30_000, 'worker A to give some up');

  const g = gaussian(mulberry32(21));
  const series = Array.from({ length: 60 }, (_, i) => formatSeriesId('cpu_usage', { host: `node-${i}` }));
  const phase1: Message[] = [];
  for (let r = 0; r < 40; r++) phase1.push(...noiseRound(series, r, g));
  await sendRecords(names.metrics, phase1);
  await waitUntil(
    async () => {
      const c = await committedOffsets(names.group, names.metrics);
      return [...c.values()].reduce((s, o) => s + Math.max(0, o), 0) === phase1.length;
    },
    30_000,
    'both workers to commit phase 1',
  );

  a.child.kill('SIGKILL');
  await a.exited;

  // Phase 2: the survivor must relearn each moved series (it starts empty) and then catch the spike.
  const phase2: Message[] = [];
  const injected: Array<{ series: string; ts: number }> = [];
  for (let r = 40; r < 80; r++) phase2.push(...noiseRound(series, r, g));
  series.forEach((s, i) => {
    const ts = T0 + 80 * SEC;
    phase2.push({ key: s, value: encodeCompact(ts, 100 + (i % 2 === 0 ? 15 : -15)) });
    injected.push({ series: s, ts });
  });
  for (let r = 81; r < 85; r++) phase2.push(...noiseRound(series, r, g));
  await sendRecords(names.metrics, phase2);

  const reader = await alertReader(names.alerts).start();
  t.after(() => reader.close());
  await b.waitForLog((l) => joinedWith(l) && assignedCount(l) === 6, 40_000, 'worker B to take over all 6 partitions');
  await reader.waitFor(
    (items) => injected.every((x) => items.some((e) => e.status === 'firing' && e.series === x.series && e.ts === x.ts)),
    60_000,
    `alerts for all ${injected.length} anomalies after the takeover`,
  );
  b.child.kill('SIGTERM');
  assert.equal((await b.exited).code, 0);
});

test('SIGTERM mid-stream: the worker finishes its batch, commits exactly what it processed, exits 0', async (t) => {
  const names = freshNames('worker-shutdown');
  await ensureTopic(names.metrics, 2);
  const w = new WorkerProcess({ ...topicOverrides(names, 2), 'shutdown.deadline': '20s' });
  t.after(() => w.dispose());
  await w.waitForLog((l) => joinedWith(l) && assignedCount(l) === 2, 30_000, 'the worker to join');
  const g = gaussian(mulberry32(3));
  const series = Array.from({ length: 500 }, (_, i) => formatSeriesId('net_bytes', { if: `eth${i}` }));
  const messages: Message[] = [];
  for (let r = 0; r < 200; r++) messages.push(...noiseRound(series, r, g));
  await sendRecords(names.metrics, messages);
  // Stop while it is busy: once something is committed but (likely) not everything.
  await waitUntil(
    async () => [...(await committedOffsets(names.group, names.metrics)).values()].some((o) => o > 0),
    30_000,
    'a first commit',
  );
  w.child.kill('SIGTERM');
  const { code } = await w.exited;
  assert.equal(code, 0, w.stderr.join('\n'));
  const stopped = w.logs.find((l) => l.msg === 'worker stopped');
  assert.ok(stopped, 'the worker logs what it processed');
  const processed = stopped.processed as Record<string, string>;
  const committed = await committedOffsets(names.group, names.metrics);
  for (const [key, offset] of Object.entries(processed)) {
    const partition = Number(key.slice(key.lastIndexOf(':') + 1));
    assert.equal(committed.get(partition), Number(offset) + 1, `partition ${partition}: committed = last processed + 1`);
  }
});

test('a bad configuration stops start-up with exit code 2 and names the key', async () => {
  const r = await runCli(['run', '--set', 'rules[0].window=1.5', '--set', 'kafka.partitions=0'], {
    env: { KAFKA_BROKERS: requireBrokers().join(',') },
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /rules\[0\]\.window/);
  assert.match(r.stderr, /kafka\.partitions/);
});

function requireKcat(): void {
  const probe = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  if (probe.error) throw new Error('kcat is not installed: apt-get install -y kcat (.ci/run does this)');
}

function kcat(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

test('kcat interop: verbose JSON samples written by kcat are detected; JSON alerts read back by kcat parse as the schema', async (t) => {
  requireKcat();
  const brokers = requireBrokers().join(',');
  const names = freshNames('worker-kcat');
  await ensureTopic(names.metrics, 1);
  const { stop } = await startWorker(testConfig(names, 1, { 'alerts.format': 'json' }));
  t.after(stop);
  const lines: string[] = [];
  for (let i = 0; i < 50; i++) {
    const value = i === 42 ? 900 : 200 + (i % 4);
    // No key: the worker derives the series id from the body.
    lines.push(JSON.stringify({ name: 'api_requests', labels: { route: '/pay', code: '200' }, ts: T0 + i * SEC, value }));
  }
  const produced = await kcat(['-b', brokers, '-P', '-t', names.metrics], lines.join('\n') + '\n');
  assert.equal(produced.code, 0, produced.stderr);

  let events: ReturnType<typeof decodeAlert>[] = [];
  await waitUntil(
    async () => {
      const read = await kcat(['-b', brokers, '-C', '-t', names.alerts, '-e', '-o', 'beginning', '-q'], '');
      events = read.stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l));
      return events.some((e) => e.status === 'firing');
    },
    30_000,
    'kcat to read a firing alert',
  );
  const e = events.find((x) => x.status === 'firing')!;
  const schema: Record<string, string> = {
    id: 'string',
    status: 'string',
    rule: 'string',
    severity: 'string',
    series: 'string',
    name: 'string',
    labels: 'object',
    ts: 'number',
    value: 'number',
    mean: 'number',
    std: 'number',
    z: 'number',
    window: 'number',
    startsAt: 'number',
    annotations: 'object',
  };
  for (const [field, type] of Object.entries(schema))
    assert.equal(typeof (e as unknown as Record<string, unknown>)[field], type, `alert field ${field}`);
  assert.match(e.id, /^[0-9a-f]{16}$/);
  assert.equal(e.series, 'api_requests{code="200",route="/pay"}');
  assert.equal(e.ts, T0 + 42 * SEC);
  assert.equal(e.value, 900);
  assert.ok(e.z > 0);
});

test('with kafka.create_topics false, missing topics stop start-up with their names (exit 1)', async (t) => {
  const names = freshNames('worker-notopics');
  const w = new WorkerProcess({ ...topicOverrides(names, 1), 'kafka.create_topics': false });
  t.after(() => w.dispose());
  const { code } = await w.exited;
  assert.equal(code, 1);
  const fatal = w.logs.find((l) => l.level === 60);
  assert.ok(fatal, 'a fatal log line');
  const message = JSON.stringify(fatal);
  for (const topic of [names.metrics, names.alerts, names.deadLetter]) assert.ok(message.includes(topic), `names ${topic}: ${message}`);
  assert.match(message, /create_topics: true/);
});
