/**
 * codec: ns per record of `decodeSamplesInto` against `@msgpack/msgpack` on the same bytes, for
 * compact single-point records, compact 10-point records, verbose msgpack maps and verbose JSON.
 *
 * Method (STYLE.md 14): records are made before timing from a seeded PRNG (mulberry32) and laid
 * out as kafkajs hands them over: slices (non-zero byteOffset) of one large fetch buffer. Each case
 * is warmed up, then timed over several repetitions of whole passes over the records (min and
 * mean ± std of ns per record); every decoded number feeds a sink that is printed, so nothing is
 * dead code; garbage collections during the timed repetitions are counted (0 = no allocation that
 * survives to a scavenge, in practice none per record).
 *
 * `node dist/bench/codec/samples.bench.js` runs it alone; `npm run bench -- codec` runs it through
 * bench/run.ts, which also writes bench/results/codec.{md,json} and docs/benchmarks.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { decode, Decoder } from '@msgpack/msgpack';
import { decodeSamplesInto, encodeCompact, encodeCompactPoints, encodeVerbose, SampleBatch } from '../../src/codec/samples.js';
import { formatSeriesId } from '../../src/codec/series-id.js';
import { collect, fmtNs, machine, markdownTable, nowNs, stats, textTable } from '../core/measure.js';
import { mulberry32 } from '../../test/support/random.js';

/** One line of the result (and of bench/results/codec.json). */
export interface Row {
  case: string;
  decoder: string;
  records: number;
  points_per_record: number;
  bytes_per_record: number;
  ns_per_record_min: number;
  ns_per_record_mean: number;
  ns_per_record_std: number;
  /** min ns per record / points per record. */
  ns_per_point_min: number;
  reps: number;
  records_per_rep: number;
  /** Garbage collections seen during the timed repetitions. */
  gcs: number;
}

/** The rows, plus the section of docs/benchmarks.md (bench/run.ts picks up `markdown`). */
export type SamplesBenchResult = Row[] & { markdown: string };

export interface SamplesBenchContext {
  /** Repository root; when given, bench/results/codec.json is written under it. */
  readonly root?: string;
  readonly args?: ReadonlyMap<string, string>;
}

const SEED = 0xc0dec;
/** Distinct records per case: 4096 × ~20–200 bytes, a few fetch responses' worth. */
const RECORDS = 4096;
/** Warm-up: at least this many passes and this long, so every case is optimised before timing. */
const WARMUP_PASSES = 20;
const WARMUP_MS = 300;
const REPS = 10;
/** Each timed repetition runs whole passes over the records for about this long. */
const REP_MS = 150;

interface Corpus {
  readonly keys: Buffer[];
  readonly values: Buffer[];
  readonly points: number;
  readonly bytesPerRecord: number;
}

/** Copy records into one ArrayBuffer, 3 bytes apart, and hand out Buffer slices (as kafkajs does). */
function asFetchSlices(records: readonly Uint8Array[]): Buffer[] {
  const total = records.reduce((n, r) => n + r.length + 3, 16);
  const fetch = Buffer.alloc(total);
  let at = 13; // odd offset: no alignment luck
  return records.map((r) => {
    fetch.set(r, at);
    const slice = fetch.subarray(at, at + r.length);
    at += r.length + 3;
    return slice;
  });
}

function corpus(kind: 'compact' | 'compact10' | 'verbose-msgpack' | 'verbose-json', ownBuffers = false): Corpus {
  const rand = mulberry32(SEED);
  const keys: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  let ts = 1_700_000_000_000;
  const points = kind === 'compact10' ? 10 : 1;
  for (let i = 0; i < RECORDS; i++) {
    const name = 'http_request_duration_seconds';
    const labels = { host: `web-${String(i % 1000).padStart(5, '0')}`, region: 'eu-west-1', service: 'checkout' };
    keys.push(Buffer.from(formatSeriesId(name, labels)));
    const v = () => 100 + (rand() - 0.5) * 10; // N-ish(100, 5²): a float64 in the encoding
    ts += Math.floor(rand() * 20);
    if (kind === 'compact') values.push(encodeCompact(ts, v()));
    else if (kind === 'compact10')
      values.push(encodeCompactPoints(Array.from({ length: 10 }, (_, j) => [ts + j * 1000, v()] as [number, number])));
    else values.push(encodeVerbose({ name, labels, ts, value: v() }, kind === 'verbose-msgpack' ? 'msgpack' : 'json'));
  }
  const bytes = values.reduce((n, r) => n + r.length, 0);
  return {
    keys: asFetchSlices(keys),
    values: ownBuffers ? values.map((v) => Buffer.from(new Uint8Array(v).buffer)) : asFetchSlices(values),
    points,
    bytesPerRecord: bytes / RECORDS,
  };
}

/** One pass over the corpus; returns a checksum for the sink. */
type Pass = (c: Corpus) => number;

const batch = new SampleBatch();
const reusedDecoder = new Decoder();

function passInto(withKey: boolean): Pass {
  return (c) => {
    let s = 0;
    const { keys, values } = c;
    for (let i = 0; i < values.length; i++) {
      decodeSamplesInto(withKey ? keys[i]! : null, values[i]!, batch);
      s += batch.values[batch.count - 1]! + batch.count;
    }
    return s;
  };
}

function passMsgpack(reuse: boolean): Pass {
  return (c) => {
    let s = 0;
    const { values } = c;
    for (let i = 0; i < values.length; i++) {
      const d = (reuse ? reusedDecoder.decode(values[i]!) : decode(values[i]!)) as unknown;
      s += sinkOf(d);
    }
    return s;
  };
}

function passJsonParse(): Pass {
  return (c) => {
    let s = 0;
    for (const v of c.values) s += sinkOf(JSON.parse(v.toString('utf8')));
    return s;
  };
}

function sinkOf(d: unknown): number {
  if (Array.isArray(d)) return Array.isArray(d[0]) ? (d[d.length - 1] as number[])[1]! + d.length : (d[1] as number) + 1;
  return (d as { value: number }).value + 1;
}

interface Case {
  readonly name: string;
  readonly decoder: string;
  readonly corpus: Corpus;
  readonly pass: Pass;
}

let sink = 0;
let gcCount = 0;

async function measure(c: Case): Promise<Row> {
  const records = c.corpus.values.length;
  const time = (passes: number) => {
    let s = 0;
    const t0 = nowNs();
    for (let p = 0; p < passes; p++) s += c.pass(c.corpus);
    const ns = nowNs() - t0;
    sink += s;
    return ns;
  };
  let warmNs = 0;
  let warmPasses = 0;
  while (warmPasses < WARMUP_PASSES || warmNs < WARMUP_MS * 1e6) {
    warmNs += time(1);
    warmPasses++;
  }
  const passes = Math.max(1, Math.round((REP_MS * 1e6) / (warmNs / warmPasses)));
  collect(); // with --expose-gc (bench/run.ts adds it): start from a clean heap
  await flushGcEntries();
  const gcBefore = gcCount;
  const runs: number[] = [];
  for (let i = 0; i < REPS; i++) runs.push(time(passes) / (passes * records));
  await flushGcEntries();
  const s = stats(runs);
  return {
    case: c.name,
    decoder: c.decoder,
    records,
    points_per_record: c.corpus.points,
    bytes_per_record: Math.round(c.corpus.bytesPerRecord * 10) / 10,
    ns_per_record_min: s.min,
    ns_per_record_mean: s.mean,
    ns_per_record_std: s.std,
    ns_per_point_min: s.min / c.corpus.points,
    reps: REPS,
    records_per_rep: passes * records,
    gcs: gcCount - gcBefore,
  };
}

function flushGcEntries(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

export async function runSamplesBench(ctx: SamplesBenchContext = {}): Promise<SamplesBenchResult> {
  const observer = new PerformanceObserver((list) => {
    gcCount += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  const started = Date.now();
  try {
    const compact = corpus('compact');
    const compactOwn = corpus('compact', true);
    const compact10 = corpus('compact10');
    const verboseMsgpack = corpus('verbose-msgpack');
    const verboseJson = corpus('verbose-json');
    const cases: Case[] = [
      { name: 'compact [ts, value]', decoder: 'decodeSamplesInto', corpus: compact, pass: passInto(true) },
      { name: 'compact [ts, value]', decoder: 'decodeSamplesInto, own ArrayBuffer each', corpus: compactOwn, pass: passInto(true) },
      { name: 'compact [ts, value]', decoder: '@msgpack decode()', corpus: compact, pass: passMsgpack(false) },
      { name: 'compact [ts, value]', decoder: '@msgpack Decoder reused', corpus: compact, pass: passMsgpack(true) },
      { name: 'compact 10 points', decoder: 'decodeSamplesInto', corpus: compact10, pass: passInto(true) },
      { name: 'compact 10 points', decoder: '@msgpack Decoder reused', corpus: compact10, pass: passMsgpack(true) },
      { name: 'verbose msgpack map', decoder: 'decodeSamplesInto, no key', corpus: verboseMsgpack, pass: passInto(false) },
      { name: 'verbose msgpack map', decoder: 'decodeSamplesInto, key checked', corpus: verboseMsgpack, pass: passInto(true) },
      { name: 'verbose msgpack map', decoder: '@msgpack decode()', corpus: verboseMsgpack, pass: passMsgpack(false) },
      { name: 'verbose msgpack map', decoder: '@msgpack Decoder reused', corpus: verboseMsgpack, pass: passMsgpack(true) },
      { name: 'verbose JSON', decoder: 'decodeSamplesInto, no key', corpus: verboseJson, pass: passInto(false) },
      { name: 'verbose JSON', decoder: 'toString + JSON.parse', corpus: verboseJson, pass: passJsonParse() },
    ];
    const filter = ctx.args?.get('case');
    const rows: Row[] = [];
    for (const c of cases) {
      if (filter !== undefined && !`${c.name} ${c.decoder}`.includes(filter)) continue;
      const row = await measure(c);
      rows.push(row);
      process.stderr.write(`codec: ${c.name} / ${c.decoder}: ${fmtNs(row.ns_per_record_min)} ns min\n`);
    }
    return await report(rows, ctx, (Date.now() - started) / 1000);
  } finally {
    observer.disconnect();
  }
}

async function report(rows: Row[], ctx: SamplesBenchContext, elapsedS: number): Promise<SamplesBenchResult> {
  const head = ['record', 'decoder', 'bytes', 'ns/record min', 'mean ± std', 'ns/point min', 'GCs'];
  const cells = rows.map((r) => [
    r.case,
    r.decoder,
    r.bytes_per_record.toFixed(0),
    fmtNs(r.ns_per_record_min),
    `${fmtNs(r.ns_per_record_mean)} ± ${fmtNs(r.ns_per_record_std)}`,
    fmtNs(r.ns_per_point_min),
    String(r.gcs),
  ]);
  const text = [
    '',
    `codec: ns per record, ${REPS} reps of ~${REP_MS} ms each (${RECORDS} distinct records, kafkajs-style slices of one buffer)`,
    '',
    textTable(head, cells),
    '',
    `sink ${sink.toFixed(0)}; ${elapsedS.toFixed(0)} s`,
  ];
  process.stdout.write(text.join('\n') + '\n');

  if (ctx.root !== undefined && ctx.args?.get('case') === undefined) {
    const dir = join(ctx.root, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'codec.json'), JSON.stringify(rows, null, 2) + '\n');
  }
  const m = await machine();
  const markdown = [
    '## codec: decoding sample records',
    '',
    `${RECORDS} distinct records per case, made from a seeded PRNG and laid out as kafkajs hands them over (Buffer slices of one ` +
      'large buffer, odd byteOffsets); timestamps Unix ms (uint64 on the wire), values float64. Each case: ' +
      `a warm-up (≥ ${WARMUP_PASSES} passes and ≥ ${WARMUP_MS} ms), then ${REPS} timed repetitions of ~${REP_MS} ms of whole passes over the records; ns per record as min and mean ± std. ` +
      'GCs: garbage collections during the timed repetitions (0: nothing allocated per record).',
    '',
    '- `decodeSamplesInto`: the hot-path decoder into a reused `SampleBatch` (compact: hand-rolled msgpack reader, one cached DataView per ArrayBuffer).',
    '- `own ArrayBuffer each`: the same records, each in its own ArrayBuffer (a new DataView per record: the cost the cache saves).',
    '- `@msgpack decode()`: `@msgpack/msgpack` v3 `decode`, which builds a `Decoder` per call; `Decoder reused`: one instance for all records.',
    '- verbose `decodeSamplesInto` includes validation and deriving the canonical series id (sorting and escaping labels); `key checked` also compares it with the key bytes.',
    '',
    markdownTable(head, cells),
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${elapsedS.toFixed(0)} s.`,
    '',
    'Reproduce: `npm run bench -- codec` (writes `bench/results/codec.json` and this section), or `node dist/bench/codec/samples.bench.js` alone.',
    '',
  ].join('\n');
  return Object.assign(rows, { markdown });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `--case=<substring>` runs the matching cases only.
  const args = new Map(
    process.argv
      .slice(2)
      .filter((a) => a.startsWith('--'))
      .map((a) => {
        const eq = a.indexOf('=');
        return eq < 0 ? [a.slice(2), 'true'] : [a.slice(2, eq), a.slice(eq + 1)];
      }),
  );
  runSamplesBench({ args }).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
