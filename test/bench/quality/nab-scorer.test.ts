/**
 * The TypeScript NAB scorer against the reference (nabscore.py), with no Python at test time:
 * bench/quality/make-fixture.py stored, for fixed detection sets, the detected rows and the
 * reference's scores as emitted (threshold 1) in fixtures/*-reference.json. Here the same rows are
 * turned into timestamps, mapped back to rows (as alerts would be) and scored.
 *
 * Tolerance: absolute 1e-9 on every score (normalised, raw, null, perfect, per file). The two
 * implementations add the same terms in the same order, so they differ only by Math.exp's last
 * ulp (~1e-12 here); integer counts must be equal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import {
  loadCorpus,
  PROFILE_NAMES,
  rowsDetectedAt,
  scoreCorpus,
  scoreFile,
  type NabCorpus,
  type NabFile,
  type ProfileName,
} from '../../../bench/quality/nab-scorer.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url)); // from dist/test/bench/quality
const TOLERANCE = 1e-9;

type Run = number | [number, number];
interface RefFile {
  score: number;
  windows: number;
  windows_hit: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}
interface RefProfile {
  score: number;
  raw: number;
  null_raw: number;
  perfect: number;
  counts: { detections: number; windows_hit: number; windows_scored: number; windows_total: number; tp: number; fp: number };
  files: Record<string, RefFile>;
}
interface RefSet {
  name: string;
  description: string;
  detections: Record<string, Run[]>;
  detected_rows: Record<string, number>;
  expected: Record<ProfileName, RefProfile>;
}
interface Fixture {
  corpus: string;
  files: Record<string, { rows: number; first_ms: number; last_ms: number; probation: number; windows: number; scored_windows: number }>;
  sets: RefSet[];
}

function readFixture(name: string): Fixture {
  return JSON.parse(readFileSync(`${ROOT}test/bench/quality/fixtures/${name}`, 'utf8')) as Fixture;
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= TOLERANCE,
    `${what}: ${actual} differs from the reference ${expected} by ${Math.abs(actual - expected)}`,
  );
}

/** The fixture's rows → their timestamps → every row with such a timestamp (run_detector's mapping). */
function detectionsOf(corpus: NabCorpus, set: RefSet): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const f of corpus.files) {
    const ms: number[] = [];
    for (const run of set.detections[f.rel] ?? []) {
      const [a, b] = typeof run === 'number' ? [run, run] : run;
      for (let r = a; r <= b; r++) ms.push(f.timestamps[r] as number);
    }
    const { rows, unmatched } = rowsDetectedAt(f, ms);
    assert.deepEqual(unmatched, [], `${set.name} ${f.rel}: every detection is a row's timestamp`);
    assert.equal(
      rows.reduce((s, x) => s + x, 0),
      set.detected_rows[f.rel],
      `${set.name} ${f.rel}: detected rows after the timestamp mapping`,
    );
    out.set(f.rel, rows);
  }
  return out;
}

function checkCorpusMatchesFixture(corpus: NabCorpus, fx: Fixture): void {
  assert.deepEqual(
    corpus.files.map((f) => f.rel),
    Object.keys(fx.files).sort(),
    'the same files, in the same order',
  );
  for (const f of corpus.files) {
    const ref = fx.files[f.rel]!;
    assert.deepEqual(
      [f.timestamps.length, f.timestamps[0], f.timestamps[f.timestamps.length - 1], f.probation, f.windows.length, f.scoredWindows.length],
      [ref.rows, ref.first_ms, ref.last_ms, ref.probation, ref.windows, ref.scored_windows],
      `${f.rel}: rows, first and last ms, probation, windows, scored windows`,
    );
  }
}

function checkSet(corpus: NabCorpus, set: RefSet): void {
  const result = scoreCorpus(corpus, detectionsOf(corpus, set));
  for (const p of PROFILE_NAMES) {
    const got = result.profiles[p];
    const ref = set.expected[p];
    close(got.normalised, ref.score, `${set.name} ${p} normalised`);
    close(got.raw, ref.raw, `${set.name} ${p} raw`);
    close(got.nullRaw, ref.null_raw, `${set.name} ${p} null`);
    close(got.perfect, ref.perfect, `${set.name} ${p} perfect`);
    for (const f of got.files) {
      const r = ref.files[f.file]!;
      close(f.score, r.score, `${set.name} ${p} ${f.file}`);
      assert.deepEqual(
        [f.windowsScored, f.windowsHit, f.tp, f.fp, f.tn, f.fn],
        [r.windows, r.windows_hit, r.tp, r.fp, r.tn, r.fn],
        `${set.name} ${p} ${f.file} counts`,
      );
    }
  }
  // The profile-free details count the same things as the reference's counts.
  const c = set.expected.standard.counts;
  const caught = result.files.reduce((s, f) => s + f.caught.length, 0);
  const outside = result.files.reduce((s, f) => s + f.detectionsOutside, 0);
  const inside = result.files.reduce((s, f) => s + f.detectionsInWindows, 0);
  assert.deepEqual(
    [caught, outside, inside, inside + outside],
    [c.windows_hit, c.fp, c.tp, c.detections],
    `${set.name}: details vs counts`,
  );
}

for (const [name, corpusDir] of [
  ['nab-dev-reference.json', 'bench/data/nab-dev'],
  ['nab-edge-reference.json', 'test/bench/quality/fixtures/nab-edge'],
] as const) {
  const fx = readFixture(name);
  const corpus = loadCorpus(`${ROOT}${corpusDir}`);
  test(`${corpusDir} loads as the reference loads it`, () => checkCorpusMatchesFixture(corpus, fx));
  for (const set of fx.sets) {
    test(`${corpusDir}, ${set.name}: every profile's normalised, raw and per-file scores equal the reference's`, () =>
      checkSet(corpus, set));
  }
}

/** The standard-profile score of one set on a corpus whose files were changed by `mutate`. */
function standardRaw(corpus: NabCorpus, set: RefSet, mutate: (f: NabFile) => NabFile): number {
  const detections = detectionsOf(corpus, set);
  return corpus.files.reduce((sum, f) => sum + scoreFile(mutate(f), detections.get(f.rel)!, corpus.profiles.standard).score, 0);
}

test('the fixture catches a probation off by one row, either way', () => {
  const fx = readFixture('nab-dev-reference.json');
  const corpus = loadCorpus(`${ROOT}bench/data/nab-dev`);
  const set = fx.sets.find((s) => s.name === 'probation-edge')!;
  const expected = set.expected.standard.raw;
  close(
    standardRaw(corpus, set, (f) => f),
    expected,
    'unmutated',
  );
  // One FP more or less per file (−0.11 each, no window before it): far beyond the tolerance.
  for (const shift of [-1, 1]) {
    const mutant = standardRaw(corpus, set, (f) => ({ ...f, probation: f.probation + shift }));
    assert.ok(Math.abs(mutant - expected) > 1, `probation ${shift > 0 ? '+' : ''}${shift}: ${mutant} vs ${expected}`);
  }
});
