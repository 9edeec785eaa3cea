/**
 * engine: ns per record of the engine (`begin` → `process` per record → `finish`, the path every
 * driver takes) on compact single-point and 10-point records, against decoding the same records
 * alone (`decodeSamplesInto` into a reused SampleBatch), measured in the same run. The ratio
 * decode-only ÷ engine (≤ 1) says how much the engine adds beyond decoding: key lookup, scoring,
 * the alert lifecycle, the window push, building the rare alert events.
 *
 * Method (STYLE.md 14): the records are made once, before timing, from a seeded PRNG (see
 * records.ts); both sides are warmed up (the engine until every window is full), then timed in
 * interleaved rounds (paired.ts); ns per record as min and median; every pass feeds a sink.
 *
 * `npm run bench -- engine` runs it through bench/run.ts (bench/results/engine.{md,json},
 * docs/benchmarks.md); bench/guard.ts runs the same cases, shorter, against floors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { SampleBatch, decodeSamplesInto } from '../../src/codec/samples.js';
import type { SourceRecord } from '../../src/codec/source-record.js';
import { loadConfig } from '../../src/config/index.js';
import type { Rule } from '../../src/core/rule.js';
import { Engine } from '../../src/engine/engine.js';
import { benchRule, W } from '../core/impls.js';
import { fmtNs, fmtInt, machine, markdownTable, textTable } from '../core/measure.js';
import { pairedSink, timePair, type PairPlan, type PairResult, type Timed } from './paired.js';
import { makeRecords, type RecordCorpus, type RecordKind } from './records.js';

export const ENGINE_SERIES = 10_000;
/** Records per series in the corpus: 200k single-point records, 40k 10-point records (400k samples). */
const ROUNDS: Record<RecordKind, number> = { compact: 20, compact10: 4 };
const SEED = 0xe4617e;
/** Records per begin() … finish(), as in one fetched batch of a partition. */
export const BATCH_RECORDS = 1000;

/**
 * Samples per series before timing: the bench rule's window full; the default rule's anomaly
 * likelihood trusted (min_samples 30, then 300 scored samples in config/default.yaml).
 */
const WARM_SAMPLES: Record<RuleChoice, number> = { bench: W, default: 400 };

/** The full bench: more rounds than the guard. */
const BENCH_PLAN: Omit<PairPlan, 'warmupPasses'> = { rounds: 21, repMs: 150, warmupMs: 1000 };

/**
 * `bench`: the core bench's rule (rolling window W, z 3.5, nothing else), so the figures line up
 * with bench/core; `default`: the rule config/default.yaml ships (long memory, likelihood,
 * seasonality, hysteresis: what a deployment runs).
 */
export type RuleChoice = 'bench' | 'default';

export interface EngineCase {
  readonly kind: RecordKind;
  readonly rule: RuleChoice;
  readonly corpus: RecordCorpus;
  /** Baseline: decode-only; candidate: the engine (ns per record). */
  readonly pair: PairResult;
  /** Alert events per pass over the corpus, once warm (few: the values are noise). */
  readonly alertsPerPass: number;
}

function rulesOf(choice: RuleChoice): readonly Rule[] {
  return choice === 'bench' ? [benchRule()] : loadConfig({ env: {} }).rules;
}

/** The deployed store and alert settings (config/default.yaml). */
function newEngine(rules: readonly Rule[]): Engine {
  return new Engine({
    rules,
    maxSeries: 1_000_000,
    initialCapacity: 1024,
    idleTimeoutMs: 3_600_000,
    flapWindowMs: 300_000,
    source: { topic: 'bench', partition: 0 },
  });
}

function decodeOnly(records: readonly SourceRecord[]): Timed {
  const batch = new SampleBatch(64);
  return {
    name: 'decode-only',
    unitsPerPass: records.length,
    pass() {
      let s = 0;
      for (let i = 0; i < records.length; i++) {
        const r = records[i];
        decodeSamplesInto(r.key, r.value!, batch);
        s += batch.values[batch.count - 1] + batch.count;
      }
      return s;
    },
  };
}

interface EngineTimed extends Timed {
  readonly counts: { alerts: number; deadLetters: number; samples: number; passes: number };
}

/**
 * The corpus through one engine in batches of BATCH_RECORDS. Timestamps start again at T0 on
 * every pass: the engine does not require them to increase (the clock keeps the largest), and
 * its idle scan finds nothing (the corpus spans minutes, the timeout is an hour).
 */
function throughEngine(records: readonly SourceRecord[], rules: readonly Rule[]): EngineTimed {
  const engine = newEngine(rules);
  const counts = { alerts: 0, deadLetters: 0, samples: 0, passes: 0 };
  return {
    name: 'engine',
    unitsPerPass: records.length,
    counts,
    pass() {
      let s = 0;
      for (let at = 0; at < records.length; at += BATCH_RECORDS) {
        const end = Math.min(records.length, at + BATCH_RECORDS);
        engine.begin(0);
        for (let i = at; i < end; i++) engine.process(records[i]);
        const result = engine.finish();
        counts.alerts += result.alerts.length;
        counts.deadLetters += result.deadLetters.length;
        counts.samples += result.samples;
        s += result.alerts.length + result.samples;
      }
      counts.passes++;
      return s;
    },
  };
}

/** Makes the corpus and times the engine against decode-only on it. */
export function measureEngineCase(kind: RecordKind, plan: Omit<PairPlan, 'warmupPasses'>, rule: RuleChoice = 'bench'): EngineCase {
  const corpus = makeRecords(kind, ENGINE_SERIES, ROUNDS[kind], SEED);
  const rules = rulesOf(rule);
  const engine = throughEngine(corpus.records, rules);
  // Enough passes that every series is past its warm-up before timing, plus a few.
  const fill = Math.ceil(WARM_SAMPLES[rule] / (corpus.rounds * corpus.pointsPerRecord));
  const pair = timePair(decodeOnly(corpus.records), engine, { ...plan, warmupPasses: fill + 4 });
  const c = engine.counts;
  if (c.deadLetters > 0) throw new Error(`engine bench: ${c.deadLetters} dead letters from a corpus meant to be clean`);
  const expected = c.passes * corpus.records.length * corpus.pointsPerRecord;
  if (c.samples !== expected) throw new Error(`engine bench: ${c.samples} samples handled, expected ${expected}`);
  return { kind, rule, corpus, pair, alertsPerPass: c.alerts / c.passes };
}

/** One line of bench/results/engine.json. */
export interface EngineRow {
  case: RecordKind;
  rule: RuleChoice;
  series: number;
  records: number;
  points_per_record: number;
  key_bytes: number;
  value_bytes: number;
  batch_records: number;
  decode_ns_per_record_min: number;
  decode_ns_per_record_median: number;
  engine_ns_per_record_min: number;
  engine_ns_per_record_median: number;
  engine_ns_per_sample_median: number;
  /** Median of the per-round ratios decode-only ÷ engine. */
  ratio_decode_over_engine: number;
  ratio_of_mins: number;
  ratio_of_medians: number;
  rounds: number;
  decode_records_per_rep: number;
  engine_records_per_rep: number;
  alerts_per_pass: number;
}

export function rowOf(c: EngineCase): EngineRow {
  const { baseline: d, candidate: e } = c.pair;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    case: c.kind,
    rule: c.rule,
    series: c.corpus.series,
    records: c.corpus.records.length,
    points_per_record: c.corpus.pointsPerRecord,
    key_bytes: r2(c.corpus.keyBytes),
    value_bytes: r2(c.corpus.valueBytes),
    batch_records: BATCH_RECORDS,
    decode_ns_per_record_min: r2(d.min),
    decode_ns_per_record_median: r2(d.median),
    engine_ns_per_record_min: r2(e.min),
    engine_ns_per_record_median: r2(e.median),
    engine_ns_per_sample_median: r2(e.median / c.corpus.pointsPerRecord),
    ratio_decode_over_engine: Math.round(c.pair.ratio * 1000) / 1000,
    ratio_of_mins: Math.round(c.pair.ratioOfMins * 1000) / 1000,
    ratio_of_medians: Math.round(c.pair.ratioOfMedians * 1000) / 1000,
    rounds: c.pair.roundRatios.length,
    decode_records_per_rep: d.unitsPerRep,
    engine_records_per_rep: e.unitsPerRep,
    alerts_per_pass: r2(c.alertsPerPass),
  };
}

const LABEL: Record<RecordKind, string> = { compact: 'compact [ts, value]', compact10: 'compact 10 points' };

function tableOf(rows: readonly EngineRow[]): { head: string[]; cells: string[][] } {
  const head = [
    'records',
    'rule',
    'series × rounds',
    'bytes key + value',
    'decode-only ns/record min / median',
    'engine ns/record min / median',
    'engine ns/sample',
    'decode ÷ engine',
    'alerts/pass',
  ];
  const cells = rows.map((r) => [
    LABEL[r.case],
    r.rule,
    `${fmtInt(r.series)} × ${r.records / r.series}`,
    `${r.key_bytes.toFixed(0)} + ${r.value_bytes.toFixed(0)}`,
    `${fmtNs(r.decode_ns_per_record_min)} / ${fmtNs(r.decode_ns_per_record_median)}`,
    `${fmtNs(r.engine_ns_per_record_min)} / ${fmtNs(r.engine_ns_per_record_median)}`,
    fmtNs(r.engine_ns_per_sample_median),
    r.ratio_decode_over_engine.toFixed(3),
    r.alerts_per_pass.toFixed(1),
  ]);
  return { head, cells };
}

interface Ctx {
  readonly root: string;
  readonly args: ReadonlyMap<string, string>;
}

export async function runEngineBench(ctx: Ctx): Promise<{ rows: EngineRow[]; markdown: string }> {
  const started = Date.now();
  const loadBefore = loadavg()[0];
  const rows: EngineRow[] = [];
  const cases = [
    ['compact', 'bench'],
    ['compact10', 'bench'],
    ['compact', 'default'],
    ['compact10', 'default'],
  ] as const;
  for (const [kind, rule] of cases) {
    const c = measureEngineCase(kind, BENCH_PLAN, rule);
    rows.push(rowOf(c));
    process.stderr.write(
      `[engine] ${kind}, ${rule} rule: decode ${fmtNs(c.pair.baseline.median)} ns, engine ${fmtNs(c.pair.candidate.median)} ns per record (median), ratio ${c.pair.ratio.toFixed(3)}\n`,
    );
  }
  const elapsedS = (Date.now() - started) / 1000;
  const load = `load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`;
  const { head, cells } = tableOf(rows);
  process.stdout.write(
    [
      '',
      `engine: ns per record against decode-only, ${BENCH_PLAN.rounds} interleaved rounds`,
      '',
      textTable(head, cells),
      '',
      `sink ${pairedSink().toFixed(0)}; ${elapsedS.toFixed(0)} s; ${load}`,
      '',
    ].join('\n'),
  );
  const dir = join(ctx.root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'engine.json'), JSON.stringify(rows, null, 2) + '\n');
  const m = await machine();
  const markdown = [
    '## engine: records through the engine against decode-only',
    '',
    `${fmtInt(ENGINE_SERIES)} series (the core bench's Prometheus-style keys), round-robin; compact records \`[ts, value]\` and 10-point records ` +
      '`[[ts, value], …]` of N(100, 5²) noise from a seeded PRNG, laid out as kafkajs hands them over (key and value are slices of one buffer). ' +
      `The engine (deployed store settings: idle timeout 1 h, flap window 5 min) takes them in batches of ${BATCH_RECORDS}: ` +
      '`begin`, `process` per record (decode, key → slot, score, lifecycle, window push), `finish` (alert events). ' +
      '`decode-only` runs `decodeSamplesInto` over the same records into a reused `SampleBatch`.',
    '',
    `- rule \`bench\`: the core bench's (rolling window W = ${W}, z = 3.5, nothing else), so the figures line up with the core section.`,
    '- rule `default`: the one `config/default.yaml` ships (long memory, anomaly likelihood, daily seasonality, hysteresis): what a deployment runs. ' +
      "The corpus spans minutes of sample time, so the seasonal profile never covers a day and scoring stays on the plain baseline (a deployment's first day).",
    '',
    `Both are warmed up (the engine until every window is full), then timed in ${BENCH_PLAN.rounds} rounds of one ~${BENCH_PLAN.repMs} ms repetition each, ` +
      'the order alternating, so load from other processes falls on both alike. decode ÷ engine: the median over rounds of the two back-to-back ' +
      "repetitions' ratio (1 would be an engine that costs nothing beyond decoding); `npm run bench:guard` checks it against a floor.",
    '',
    markdownTable(head, cells),
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${elapsedS.toFixed(0)} s, ${load}.`,
    '',
    'Reproduce: `npm run bench -- engine` (writes `bench/results/engine.json` and this section).',
    '',
  ].join('\n');
  return { rows, markdown };
}
