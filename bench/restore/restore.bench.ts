/**
 * restore: what checkpointing costs for one partition of 100,000 series (issue 9's targets:
 * restore under 1 s; a checkpoint under 8·W + 64 bytes per series).
 *
 * Per rule set — `window` (the core bench's rolling window, W = 120, nothing else: the case the
 * size target is written for) and `default` (config/default.yaml: long memory, likelihood, daily
 * profiles) — an engine is filled with 130 samples per series (untimed; every ring full), then:
 *   - copy:     openCheckpoint(), the part a batch waits for (the slabs copied out);
 *   - checksum: CRC-32 of the checkpoint (done in the background, in slices);
 *   - restore:  decodeCheckpoint() (checksum included) + restoreEngine() (slabs, key table,
 *               identities parsed again from the keys): what a new owner spends in memory;
 *   - and, unless --no-kafka, through a real broker: writing the checkpoint to a changelog topic
 *     (ChangelogWriter: checksum, 512 KiB chunks, manifest) and reading it back
 *     (ChangelogReader + planRestore): the restore a takeover really waits for (the reader's
 *     group joined beforehand, as a worker's is at start-up). The timed writes
 *     leave KAFKA_WRITES generations in the changelog, as before compaction catches up; the
 *     restore reads from the last one's pointer (as a successor does with the committed pointer),
 *     and, for comparison, the changelog whole (as without a pointer).
 * Each timing: one warm-up, then REPS repetitions, min and mean ± std. Bytes per series are given
 * whole and without the key bytes (the series ids, ~80 bytes each here).
 *
 * `npm run bench -- restore [--restore-series=N] [--no-kafka]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../src/config/index.js';
import type { Rule } from '../../src/core/rule.js';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import { checksumRange, decodeCheckpoint, encodeCheckpoint, openCheckpoint, restoreEngine } from '../../src/engine/checkpoint.js';
import { crc32 } from '../../src/engine/crc32.js';
import { rulesFingerprint } from '../../src/engine/fingerprint.js';
import { resolveBrokers } from '../../src/broker/index.js';
import { ChangelogWriter } from '../../src/kafka/changelog-writer.js';
import { ChangelogReader } from '../../src/kafka/changelog-reader.js';
import { planRestore } from '../../src/kafka/restore-plan.js';
import type { CheckpointPointer } from '../../src/kafka/checkpoint-pointer.js';
import { checkpointMetrics } from '../../src/kafka/checkpoint-metrics.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createLogger } from '../../src/observe/logger.js';
import { mulberry32, gaussian } from '../../test/support/random.js';
import { benchRule, W } from '../core/impls.js';
import { seriesId } from '../core/data.js';
import { fmtInt, machine, markdownTable, stats, textTable, type Stats } from '../core/measure.js';

const REPS = 5;
const SAMPLES_PER_SERIES = 130;
const STEP_MS = 10 * 60_000;
const T0 = Date.UTC(2026, 0, 5);
const SEED = 0x5e57;
/** The interval the CPU share is worked out for (config/default.yaml's checkpoint.interval). */
const INTERVAL_S = 60;
/** Timed checkpoint writes through Kafka (a warm-up and the rest): generations in the changelog. */
const KAFKA_WRITES = 4;

type RuleChoice = 'window' | 'default';

interface Ctx {
  readonly root: string;
  readonly args: ReadonlyMap<string, string>;
}

export interface RestoreRow {
  readonly rule: RuleChoice;
  readonly series: number;
  readonly bytes: number;
  readonly keyBytes: number;
  readonly copy: Stats;
  readonly checksum: Stats;
  readonly restore: Stats;
  readonly kafkaWrite?: Stats;
  readonly kafkaRestore?: Stats;
  readonly kafkaRestoreWhole?: Stats;
}

const say = (line: string) => process.stderr.write(`restore: ${line}\n`);
const ms = (ns: number) => ns / 1e6;
const timeMs = (fn: () => unknown) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};

function rulesOf(choice: RuleChoice): readonly Rule[] {
  return choice === 'window' ? [benchRule()] : loadConfig({ env: {} }).rules;
}

function engineOptions(rules: readonly Rule[], series: number): EngineOptions {
  return {
    rules,
    maxSeries: Math.max(series, 1_000_000),
    initialCapacity: 1024,
    idleTimeoutMs: 7 * 86_400_000,
    flapWindowMs: 300_000,
    source: { topic: 'bench', partition: 0 },
  };
}

/** An engine holding `series` series with full windows (untimed). */
function filled(options: EngineOptions, keys: readonly Uint8Array[]): Engine {
  const engine = new Engine(options);
  const g = gaussian(mulberry32(SEED));
  for (let r = 0; r < SAMPLES_PER_SERIES; r++) {
    engine.begin(0);
    for (let i = 0; i < keys.length; i++) engine.observe(keys[i]!, T0 + r * STEP_MS, 100 + (i % 50) + g());
    engine.finish();
  }
  return engine;
}

function timed(fn: () => unknown): Stats {
  fn();
  const runs: number[] = [];
  for (let i = 0; i < REPS; i++) runs.push(timeMs(fn) * 1e6);
  return stats(runs);
}

async function timedAsync(fn: () => Promise<unknown>, reps = REPS): Promise<Stats> {
  await fn();
  const runs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    runs.push((performance.now() - t) * 1e6);
  }
  return stats(runs);
}

function inMemory(choice: RuleChoice, keys: readonly Uint8Array[]): RestoreRow {
  const rules = rulesOf(choice);
  const options = engineOptions(rules, keys.length);
  const fingerprint = rulesFingerprint(rules);
  say(`${choice}: filling ${fmtInt(keys.length)} series × ${SAMPLES_PER_SERIES} samples`);
  const engine = filled(options, keys);
  const bytes = encodeCheckpoint(engine, 1n, fingerprint);
  let sink = 0;
  const copy = timed(() => (sink += openCheckpoint(engine, 1n, fingerprint).length));
  const checksum = timed(() => (sink += crc32(checksumRange(bytes))));
  const restore = timed(() => (sink += restoreEngine(options, decodeCheckpoint(bytes, fingerprint)).seriesCount));
  const restored = restoreEngine(options, decodeCheckpoint(bytes, fingerprint));
  if (restored.seriesCount !== keys.length || sink === 0) throw new Error('restore lost series');
  const keyBytes = keys.reduce((n, k) => n + k.length, 0);
  return { rule: choice, series: keys.length, bytes: bytes.length, keyBytes, copy, checksum, restore };
}

/** Writes the checkpoint through a ChangelogWriter to a fresh topic and restores it from there. */
async function throughKafka(row: RestoreRow, keys: readonly Uint8Array[], brokers: string[]): Promise<RestoreRow> {
  const rules = rulesOf(row.rule);
  const options = engineOptions(rules, keys.length);
  const fingerprint = rulesFingerprint(rules);
  const engine = filled(options, keys);
  const kafka = new Kafka({ clientId: 'sigmawatch-bench-restore', brokers, logLevel: logLevel.NOTHING });
  const topic = `bench-restore-${row.rule}-${Date.now().toString(36)}`;
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const log = createLogger({ level: 'silent' });
  // Joins at its first read (untimed: the warm-up), as a worker's reader joins at start-up.
  const reader = new ChangelogReader(kafka, { topic, group: 'bench', log });
  await admin.connect();
  await producer.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      waitForLeaders: true,
    });
    const writer = new ChangelogWriter({
      producer,
      topic,
      changelogPartitions: 1,
      group: 'bench',
      log,
      metrics: checkpointMetrics(createMetrics().registry),
      now: Date.now,
    });
    let pointer: CheckpointPointer | null = null;
    const kafkaWrite = await timedAsync(async () => {
      pointer = await writer.write({
        partition: 0,
        checkpoint: openCheckpoint(engine, 1n, fingerprint),
        offset: 1n,
        startedAt: performance.now(),
      });
      if (pointer === null) throw new Error('checkpoint not written');
    }, KAFKA_WRITES - 1);
    const context = { engineOptions: options, fingerprint, group: 'bench' };
    const restore = (from: ReadonlyMap<number, bigint>) => async () => {
      const image = await reader.read({ partitions: [0], from, timeoutMs: 120_000 });
      const plan = planRestore(image, 0, 1n, context);
      if (plan.result !== 'restored' || plan.engine!.seriesCount !== keys.length) throw new Error(`restore through Kafka: ${plan.result}`);
    };
    const kafkaRestore = await timedAsync(restore(new Map([[0, pointer!.offset]])), 3);
    const kafkaRestoreWhole = await timedAsync(restore(new Map()), 3);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    return { ...row, kafkaWrite, kafkaRestore, kafkaRestoreWhole };
  } finally {
    await reader.close();
    await producer.disconnect();
    await admin.disconnect();
  }
}

const fmtMs = (s: Stats | undefined) =>
  s === undefined ? '–' : `${ms(s.min).toFixed(0)} (${ms(s.mean).toFixed(0)} ± ${ms(s.std).toFixed(0)})`;

function table(rows: readonly RestoreRow[]): { head: string[]; body: string[][] } {
  const head = [
    'rules',
    'series',
    'checkpoint MB',
    'B/series',
    'B/series w/o keys',
    'copy ms',
    'checksum ms',
    'restore ms',
    'Kafka write ms',
    'Kafka restore ms',
    `whole changelog (${KAFKA_WRITES} generations) ms`,
    `CPU share at ${INTERVAL_S} s`,
  ];
  const body = rows.map((r) => [
    r.rule === 'window' ? `window (W = ${W})` : 'default',
    fmtInt(r.series),
    (r.bytes / 1e6).toFixed(1),
    fmtInt(r.bytes / r.series),
    fmtInt((r.bytes - r.keyBytes) / r.series),
    fmtMs(r.copy),
    fmtMs(r.checksum),
    fmtMs(r.restore),
    fmtMs(r.kafkaWrite),
    fmtMs(r.kafkaRestore),
    fmtMs(r.kafkaRestoreWhole),
    `${((100 * (ms(r.copy.mean) + ms(r.checksum.mean))) / (INTERVAL_S * 1000)).toFixed(2)} %`,
  ]);
  return { head, body };
}

export async function runRestoreBench(ctx: Ctx): Promise<{ rows: RestoreRow[]; markdown: string }> {
  const series = Number(ctx.args.get('restore-series') ?? 100_000);
  const withKafka = !ctx.args.has('no-kafka');
  const encoder = new TextEncoder();
  const keys = Array.from({ length: series }, (_, i) => encoder.encode(seriesId(i)));
  const rows: RestoreRow[] = [];
  for (const choice of ['window', 'default'] as const) rows.push(inMemory(choice, keys));
  if (withKafka) {
    const brokers = await resolveBrokers(undefined, { log: say });
    try {
      for (let i = 0; i < rows.length; i++) rows[i] = await throughKafka(rows[i]!, keys, brokers.brokers);
    } finally {
      await brokers.stop();
    }
  }
  const { head, body } = table(rows);
  process.stdout.write(`${textTable(head, body)}\n`);
  const m = await machine();
  const markdown = [
    '## restore',
    '',
    `One partition of ${fmtInt(series)} series (ids of ~${Math.round(rows[0]!.keyBytes / series)} bytes), ${SAMPLES_PER_SERIES} samples each. ` +
      'copy: the slabs copied out of the engine (the only part a batch waits for); checksum: CRC-32 of the checkpoint (in the background); ' +
      'restore: checksum, envelope checks and loading a new engine (key table, identities parsed again). Kafka write: checksum, chunks and manifest ' +
      'acknowledged by a local broker; Kafka restore: the changelog reader of a worker (its group joined beforehand, as at start-up) reading the changelog partition from the checkpoint pointer ' +
      '(the position committed with the input offset), assembling, checking and loading it; whole changelog: the same read from the start, ' +
      `through the ${KAFKA_WRITES} generations the timed writes left (compaction had not run), as a restore without a pointer reads. ` +
      `CPU share: copy + checksum once per ${INTERVAL_S} s checkpoint interval. Times in ms: min (mean ± std) of ${REPS} runs after a warm-up (Kafka: 3). ` +
      'Targets (issue 9): restore < 1 s; < 8·W + 64 = 1,024 bytes per series for W = 120.',
    '',
    markdownTable(head, body),
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, node ${m.node}.`,
  ].join('\n');
  const dir = join(ctx.root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'restore.json'), JSON.stringify({ machine: m, rows }, null, 2));
  return { rows, markdown };
}
