/**
 * A rolling restart (a deploy) against an uninterrupted run, on the real broker (issue 9: state
 * moves with its partition). The same seeded records go once through one worker that never stops
 * (the reference) and once through three `sigmawatch run` processes that are replaced one at a time
 * the way a Deployment does it — SIGTERM, exit 0, start the replacement, wait until the group has
 * settled — while the next slice of records is already being produced. With checkpoints, every
 * moved partition is restored (plus a silent replay up to the committed offset) and scored on its
 * very next sample, so the deploy must be invisible in the alerts: the same events, no extra alert
 * from a warm-up, none missing; only duplicates (at-least-once, same id) are allowed.
 *
 * The rules are the default ones (config/default.yaml), what operators run: long memory (3000),
 * likelihood (trusted after 300 samples of its average) and daily seasonality, all part of the
 * state a checkpoint must carry. 300 series × 360 rounds keep the run near a minute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from 'kafkajs';
import { encodeCompact } from '../../src/codec/samples.js';
import { formatSeriesId } from '../../src/codec/series-id.js';
import type { AlertEvent } from '../../src/codec/alerts.js';
import { createAdmin } from '../support/kafka.js';
import { mulberry32, gaussian } from '../support/random.js';
import {
  alertReader,
  committedOffsets,
  ensureTopic,
  freshNames,
  sendRecords,
  startWorker,
  testConfig,
  topicOverrides,
  TopicReader,
  waitUntil,
  WorkerProcess,
  type TestTopics,
} from '../support/worker.js';

const PARTITIONS = 6;
const SERIES = Array.from({ length: 300 }, (_, i) => formatSeriesId('request_latency_ms', { service: `svc-${i}` }));
const ROUNDS = 360;
/** One sample a minute: 6 hours of sample time, so the seasonal profile spans several hour buckets. */
const STEP_MS = 60_000;
const T0 = Date.UTC(2026, 10, 3);
/** Rounds at which some series jump (sign alternating, 8 to 14 noise stds); see `spikeAt`. */
const SPIKE_ROUNDS = [50, 95, 140, 170, 205, 250, 290, 330];
/** From this round on, every 50th series drifts 3 stds up: no single z of 6, a run for the likelihood (trusted from round 330). */
const DRIFT_FROM = 320;
/**
 * Records of a partition between checkpoints: small, so that every partition has one after the
 * first slice (2,000 records a partition), before the first restart. Later checkpoints come mostly
 * from the group rebalancing (each member checkpoints its partitions at their committed offset when
 * a rebalance starts) and from the SIGTERM; a takeover replays only when it reads the changelog
 * before such a write has landed, which the diagnostic counts.
 */
const CHECKPOINT_RECORDS = 1000;
/** Rounds per slice (2,000 records a partition): the first slices before any restart, then one restart per slice. */
const SLICE = 40;
const FIRST_SLICES = 1;
const WORKERS = 3;

type Log = Record<string, unknown>;
type Assignment = Record<string, number[]>;
const isJoin = (l: Log) => l.msg === 'joined group';
const isStart = (l: Log) => l.msg === 'partition restored' || l.msg === 'partition starts empty';

/** Offset (in noise stds) of series i at round r: a spike, a drift, or 0. */
function spikeAt(i: number, r: number): number {
  const k = SPIKE_ROUNDS.indexOf(r);
  if (k >= 0 && (i * 7 + k * 3) % 23 === 0) return (k + i) % 2 === 0 ? 8 + (i % 7) : -(8 + (i % 7));
  if (r >= DRIFT_FROM && i % 50 === 7) return 3;
  return 0;
}

/** The records of every round, identical in every run: series i always goes to partition i mod 6. */
function makeRounds(): Message[][] {
  const u = mulberry32(9);
  const g = gaussian(mulberry32(2027));
  const shape = SERIES.map(() => ({ level: 50 + 100 * u(), noise: 1 + 9 * u(), phase: 2 * Math.PI * u() }));
  const rounds: Message[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    rounds.push(
      SERIES.map((key, i) => {
        const { level, noise, phase } = shape[i]!;
        const cycle = 0.5 * noise * Math.sin((2 * Math.PI * r) / 240 + phase);
        const v = level + cycle + noise * (g() + spikeAt(i, r));
        return { key, value: encodeCompact(T0 + r * STEP_MS, Math.round(v * 1000) / 1000), partition: i % PARTITIONS };
      }),
    );
  }
  return rounds;
}

/** What makes two events the same alert: the brief's (series, ts, reason, severity), plus status. */
const eventKey = (e: AlertEvent) => `${e.series} @${e.ts} ${e.status}/${e.reason ?? '-'}/${e.severity}`;

async function waitForCommits(group: string, topic: string, total: number, timeoutMs: number): Promise<void> {
  let last = 0;
  await waitUntil(
    async () => (last = [...(await committedOffsets(group, topic)).values()].reduce((s, o) => s + Math.max(0, o), 0)) === total,
    timeoutMs,
    `commits of ${total} records (last seen ${last})`,
  );
}

/** Waits until `reader` has read everything on its topic (the alerts are all there once the input is committed). */
async function drain(reader: TopicReader<AlertEvent>, topic: string): Promise<void> {
  const admin = await createAdmin();
  let total: number;
  try {
    total = (await admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
  await reader.waitFor((items) => items.length >= total, 30_000, `all ${total} alert events`);
}

/**
 * ensureTopic, tried again (at most 5 times) when the broker answers the creation's metadata
 * check with "does not host this topic-partition": a loaded single broker can take a moment to
 * load a partition it has just created.
 */
async function createTopic(topic: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureTopic(topic, PARTITIONS);
    } catch (e) {
      if (attempt >= 5 || (e as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw e;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/** The exit of a worker sent SIGTERM, which must come within the shutdown deadline's reach. */
async function exitOf(w: WorkerProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`a worker did not exit within 30 s of SIGTERM: ${w.stderr.slice(-5).join(' | ')}`)), 30_000);
  });
  try {
    return await Promise.race([w.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** waitForLog, failing with the worker's last log lines. */
async function waitLog(w: WorkerProcess, pred: (l: Log) => boolean, timeoutMs: number, what: string): Promise<void> {
  try {
    await w.waitForLog(pred, timeoutMs, what);
  } catch (e) {
    const tail = w.logs.slice(-12).map((l) => JSON.stringify(l).slice(0, 300));
    throw new Error(`${(e as Error).message}\nlast log lines:\n${tail.join('\n')}`, { cause: e });
  }
}

/**
 * Whether the group has settled: the live workers' latest assignments split the partitions
 * exactly, `newcomer` holds some, and every partition's holder has restored it (logged its start)
 * since its current tenure began — the join from which it held the partition without a break.
 */
function settled(live: readonly WorkerProcess[], newcomer: WorkerProcess, topic: string): boolean {
  const held: number[] = [];
  for (const w of live) {
    const joins = w.logs.map((l, at) => ({ l, at })).filter(({ l }) => isJoin(l));
    if (joins.length === 0) return false;
    const parts = (joins.at(-1)!.l.assignment as Assignment)[topic] ?? [];
    if (w === newcomer && parts.length === 0) return false;
    for (const p of parts) {
      let k = joins.length - 1;
      while (k > 0 && ((joins[k - 1]!.l.assignment as Assignment)[topic] ?? []).includes(p)) k--;
      if (!w.logs.slice(joins[k]!.at).some((l) => isStart(l) && l.partition === p)) return false;
      held.push(p);
    }
  }
  held.sort((a, b) => a - b);
  return held.length === PARTITIONS && held.every((p, i) => p === i);
}

/** The reference: every record through one in-process worker that never stops; its alert events. */
async function referenceRun(rounds: Message[][], t: { after: (fn: () => Promise<void>) => void }): Promise<AlertEvent[]> {
  const names = freshNames('rolling-reference');
  await createTopic(names.metrics);
  await createTopic(names.alerts);
  const alerts = await alertReader(names.alerts).start();
  t.after(() => alerts.close());
  const { stop } = await startWorker(testConfig(names, PARTITIONS, { 'checkpoint.enabled': false }));
  t.after(stop);
  await sendRecords(names.metrics, rounds.flat());
  await waitForCommits(names.group, names.metrics, ROUNDS * SERIES.length, 120_000);
  await drain(alerts, names.alerts);
  await stop(); // idle from here on; the rolling run has the machine
  return [...alerts.items];
}

interface RollingResult {
  events: AlertEvent[];
  /** Partition starts (restored or empty) logged after every partition had a checkpoint. */
  takeovers: Log[];
}

/** The deploy: three worker processes, replaced one at a time while the slices flow. */
async function rollingRun(
  rounds: Message[][],
  t: { after: (fn: () => Promise<void>) => void; diagnostic: (m: string) => void },
): Promise<RollingResult> {
  const names: TestTopics = freshNames('rolling-deploy');
  await createTopic(names.metrics);
  await createTopic(names.alerts);
  const alerts = await alertReader(names.alerts).start();
  t.after(() => alerts.close());
  const overrides = { ...topicOverrides(names, PARTITIONS), 'checkpoint.interval': CHECKPOINT_RECORDS };
  const workers: WorkerProcess[] = [];
  const spawnWorker = () => {
    const w = new WorkerProcess(overrides);
    t.after(() => w.dispose());
    workers.push(w);
    return w;
  };
  const live = Array.from({ length: WORKERS }, spawnWorker);
  for (const w of live) await waitLog(w, isJoin, 60_000, 'a worker to join');
  await waitUntil(() => settled(live, live.at(-1)!, names.metrics), 60_000, 'the first three workers to share the partitions');

  // The first slices, committed and checkpointed everywhere before the first restart.
  let sent = 0;
  const slice = (k: number) => rounds.slice(k * SLICE, (k + 1) * SLICE).flat();
  for (let k = 0; k < FIRST_SLICES; k++) await sendRecords(names.metrics, slice(k));
  sent += FIRST_SLICES * SLICE * SERIES.length;
  await waitForCommits(names.group, names.metrics, sent, 60_000);
  const changelog = await new TopicReader<string>(`${names.metrics}.changelog`, (m) => m.key?.toString() ?? '').start();
  t.after(() => changelog.close());
  await changelog
    .waitFor(
      (keys) => Array.from({ length: PARTITIONS }, (_, p) => `${p}/manifest`).every((k) => keys.includes(k)),
      60_000,
      'a checkpoint of every partition',
    )
    .catch((e: Error) => {
      const warnings = workers.flatMap((w) => w.logs.filter((l) => Number(l.level) >= 40).map((l) => JSON.stringify(l)));
      throw new Error(`${e.message}; the workers' warnings: ${warnings.join('\n') || 'none'}`);
    });
  // Log lines from here on: every partition start must be a restore.
  const checkpointed = new Map(workers.map((w) => [w, w.logs.length]));

  // Then each slice is produced while one worker is replaced (a deploy does not stop the input).
  const slices = ROUNDS / SLICE;
  for (let k = FIRST_SLICES; k < slices; k++) {
    const producing = sendRecords(names.metrics, slice(k));
    const i = (k - FIRST_SLICES) % WORKERS;
    const old = live[i]!;
    const began = Date.now();
    old.child.kill('SIGTERM');
    const exit = await exitOf(old);
    assert.deepEqual(exit, { code: 0, signal: null }, `worker exits 0 on SIGTERM: ${old.stderr.slice(-5).join(' | ')}`);
    const next = spawnWorker();
    live[i] = next;
    await waitLog(next, isJoin, 60_000, 'the replacement to join');
    await waitUntil(() => settled(live, next, names.metrics), 60_000, `the group to settle after replacement ${k - FIRST_SLICES + 1}`);
    t.diagnostic(`replacement ${k - FIRST_SLICES + 1}: worker ${i} replaced and the group settled in ${Date.now() - began} ms`);
    await producing;
    sent += SLICE * SERIES.length;
  }
  await waitForCommits(names.group, names.metrics, sent, 120_000);
  await drain(alerts, names.alerts);
  for (const w of live) {
    w.child.kill('SIGTERM');
    assert.deepEqual(await exitOf(w), { code: 0, signal: null }, w.stderr.join('\n'));
  }
  const takeovers = workers.flatMap((w) => w.logs.slice(checkpointed.get(w) ?? 0).filter(isStart));
  return { events: [...alerts.items], takeovers };
}

test('a rolling restart of three workers alerts exactly what one uninterrupted worker alerts: no warm-up, nothing lost', async (t) => {
  const rounds = makeRounds();
  const reference = await referenceRun(rounds, t);
  const rolling = await rollingRun(rounds, t);

  // The data is worth comparing: spikes and dips fire, episodes resolve, the drift is seen.
  const firing = reference.filter((e) => e.status === 'firing');
  assert.ok(firing.length >= 20, `the reference fired ${firing.length} alerts`);
  assert.ok(
    reference.some((e) => e.status === 'resolved'),
    'some episodes resolve (keep_firing_for 100)',
  );
  assert.ok(
    firing.some((e) => e.trigger === 'likelihood'),
    `the drift breaches by likelihood: ${JSON.stringify(firing.map((e) => e.trigger))}`,
  );
  assert.equal(new Set(reference.map((e) => e.id + eventKey(e))).size, reference.length, 'the reference sent each event once');

  // The same set of events. Duplicates (at-least-once re-sends after a takeover) carry the same id.
  const want = new Map(reference.map((e) => [eventKey(e), e]));
  const got = new Map<string, AlertEvent[]>();
  for (const e of rolling.events) got.set(eventKey(e), [...(got.get(eventKey(e)) ?? []), e]);
  const extra = [...got.keys()].filter((k) => !want.has(k));
  const missing = [...want.keys()].filter((k) => !got.has(k));
  assert.deepEqual({ extra, missing }, { extra: [], missing: [] }, 'the deploy changed the alerts');
  let duplicates = 0;
  for (const [k, events] of got) {
    const ref = want.get(k)!;
    duplicates += events.length - 1;
    for (const e of events) {
      // Restored state is the same state: the same episode (id) and the same score, to the bit.
      assert.deepEqual([e.id, e.startsAt, e.value, e.mean, e.std, e.z], [ref.id, ref.startsAt, ref.value, ref.mean, ref.std, ref.z], k);
    }
  }

  // Every takeover after the first checkpoints restored its partition; count the replays.
  const starts = rolling.takeovers;
  assert.ok(starts.length >= (ROUNDS / SLICE - FIRST_SLICES) * 2, `every replacement took partitions over: ${starts.length} takeovers`);
  assert.deepEqual(
    starts.filter((l) => l.msg !== 'partition restored'),
    [],
    'every takeover restores from a checkpoint',
  );
  const replays = starts.filter((l) => Number(l.replay) > 0);
  t.diagnostic(
    `reference: ${reference.length} events (${firing.length} firing); rolling: ${rolling.events.length} events, ` +
      `${duplicates} duplicates; ${starts.length} takeovers, all restored, ` +
      `${replays.length} of them replayed (${replays.reduce((s, l) => s + Number(l.replay), 0)} records)`,
  );
});
