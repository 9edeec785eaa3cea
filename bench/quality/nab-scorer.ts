/**
 * NAB scoring of detections "as emitted" (anomaly score 1 at the detected rows, 0 elsewhere,
 * threshold 1), written from NAB's rules (numenta/NAB nab/scorer.py, nab/sweeper.py) and matching
 * the reference /work/shared/tools/nab/nabscore.py (score_at_threshold, baselines, normalise) to
 * 1e-9; test/bench/quality/nab-scorer.test.ts holds the proof.
 *
 * Per file and profile, after the probationary period:
 * - a window counts once: its best — for NAB's sweep scores, its earliest — detection earns
 *   rowUnweighted · tpWeight / MAX_TP (≈ tpWeight at the first row, ≈ 0 at the last), and a
 *   window with no detection costs −fnWeight;
 * - every detection outside all windows adds rowUnweighted · fpWeight (≤ 0, small just after a
 *   window, −fpWeight far from any);
 * - the corpus's raw score is the sum over files; normalised = 100 · (raw − null) / (perfect −
 *   null), null = detecting nothing, perfect = every window caught at its first row.
 * The additions happen in the reference's order, so the sums agree to the last bits but for
 * Math.exp's last ulp.
 */
import type { NabCorpus, NabFile } from './nab-corpus.js';
import { describeDetections, groupDetails, type FileDetail, type GroupDetail } from './nab-details.js';
import { isDetection, type RowDetections } from './nab-detections.js';
import { PROFILE_NAMES, type CostMatrix, type ProfileName } from './nab-profiles.js';
import { MAX_TP } from './nab-sweep.js';

export { AS_EMITTED_THRESHOLD, isDetection, rowsDetectedAt, type RowDetections, type TimestampDetections } from './nab-detections.js';
export { buildNabFile, loadCorpus, type NabCorpus, type NabFile } from './nab-corpus.js';
export type { CaughtWindow, FileDetail, GroupDetail, WindowRef } from './nab-details.js';
export { PROFILE_NAMES, type CostMatrix, type ProfileName, type Profiles } from './nab-profiles.js';

export interface FileScore {
  readonly file: string;
  /** The file's NAB score under the profile (fpSum + the windows' rewards and costs). */
  readonly score: number;
  readonly windowsScored: number;
  /** Windows with at least one detection after probation. */
  readonly windowsHit: number;
  /** Post-probation rows: detected in a window (tp), detected outside (fp), and the undetected. */
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

export interface Totals {
  readonly raw: number;
  /** Raw score of detecting nothing: −fnWeight per scored window. */
  readonly nullRaw: number;
  /** Raw score of catching every labelled window (scored or not, as NAB counts) at its first row. */
  readonly perfect: number;
  /** 100 · (raw − null) / (perfect − null); null when perfect = null (no windows to catch). */
  readonly normalised: number | null;
}

export interface GroupScore extends Totals {
  readonly group: string;
}

export interface ProfileScore extends Totals {
  readonly normalised: number;
  /** Files in corpus order. */
  readonly files: readonly FileScore[];
  /** Groups in order of first appearance in the corpus. */
  readonly groups: readonly GroupScore[];
}

export interface CorpusScore {
  readonly profiles: Readonly<Record<ProfileName, ProfileScore>>;
  /** Profile-independent details: windows caught (with delays) and missed, detections outside windows. */
  readonly files: readonly FileDetail[];
  readonly groups: readonly GroupDetail[];
}

/** A row's sweep score under a profile (nabscore._weighted; same operation order). */
function weighted(file: NabFile, i: number, cost: CostMatrix): number {
  const u = file.rowUnweighted[i] as number;
  return (file.rowWindow[i] as number) >= 0 ? (u * cost.tpWeight) / MAX_TP : u * cost.fpWeight;
}

function checkLength(file: NabFile, detected: RowDetections): void {
  if (detected.length !== file.rowWindow.length) {
    throw new Error(`${file.rel}: ${detected.length} detections for ${file.rowWindow.length} rows`);
  }
}

/** One file's NAB score under one profile's costs (nabscore.score_at_threshold, one file, threshold 1). */
export function scoreFile(file: NabFile, detected: RowDetections, cost: CostMatrix): FileScore {
  checkLength(file, detected);
  // Insertion order = ascending window index, the order the reference sums the windows in.
  const best = new Map<number, number>(file.scoredWindows.map((w) => [w, -cost.fnWeight]));
  const hit = new Set<number>();
  let fpSum = 0.0;
  let tp = 0,
    fp = 0,
    tn = 0,
    fn = 0;
  for (let i = 0; i < detected.length; i++) {
    if (i < file.probation) continue;
    const w = file.rowWindow[i] as number;
    if (!isDetection(detected[i] as boolean | number)) {
      if (w < 0) tn++;
      else fn++;
      continue;
    }
    const v = weighted(file, i, cost);
    if (w < 0) {
      fp++;
      fpSum += v;
    } else {
      tp++;
      hit.add(w);
      // Strictly greater: of equal rewards the first (earliest) stays, as in the reference.
      if (v > (best.get(w) as number)) best.set(w, v);
    }
  }
  let windowSum = 0;
  for (const b of best.values()) windowSum += b;
  return { file: file.rel, score: fpSum + windowSum, windowsScored: file.scoredWindows.length, windowsHit: hit.size, tp, fp, tn, fn };
}

/** null and perfect raw scores for a set of files (nabscore.baselines). */
function baselines(files: readonly NabFile[], cost: CostMatrix): { nullRaw: number; perfect: number } {
  const scored = files.reduce((sum, f) => sum + f.scoredWindows.length, 0);
  const labelled = files.reduce((sum, f) => sum + f.windows.length, 0);
  return { nullRaw: -cost.fnWeight * scored, perfect: labelled * cost.tpWeight };
}

/** 100 · (raw − null) / (perfect − null): 0 = no better than silence, 100 = perfect. */
export function normalise(raw: number, nullRaw: number, perfect: number): number {
  return (100.0 * (raw - nullRaw)) / (perfect - nullRaw);
}

function totals(files: readonly NabFile[], scores: readonly FileScore[], cost: CostMatrix): Totals {
  let raw = 0.0;
  for (const s of scores) raw += s.score; // file order, as the reference adds them
  const { nullRaw, perfect } = baselines(files, cost);
  return { raw, nullRaw, perfect, normalised: perfect === nullRaw ? null : normalise(raw, nullRaw, perfect) };
}

/** Totals per group, so a report can show where a detector gains or loses. */
function groupScores(files: readonly NabFile[], scores: readonly FileScore[], cost: CostMatrix): GroupScore[] {
  const members = new Map<string, number[]>();
  files.forEach((f, k) => {
    const list = members.get(f.group);
    if (list === undefined) members.set(f.group, [k]);
    else list.push(k);
  });
  return [...members].map(([group, ks]) => ({
    group,
    ...totals(
      ks.map((k) => files[k] as NabFile),
      ks.map((k) => scores[k] as FileScore),
      cost,
    ),
  }));
}

function detectionsFor(
  corpus: NabCorpus,
  byFile: ReadonlyMap<string, RowDetections> | Readonly<Record<string, RowDetections>>,
): RowDetections[] {
  const get =
    byFile instanceof Map ? (rel: string) => byFile.get(rel) : (rel: string) => (byFile as Readonly<Record<string, RowDetections>>)[rel];
  return corpus.files.map((f) => {
    const d = get(f.rel);
    // Like the reference: every file must have detections (silence is all zeros, not absence).
    if (d === undefined) throw new Error(`no detections for ${f.rel} (give an all-false array for a file without any)`);
    checkLength(f, d);
    return d;
  });
}

/**
 * Scores per-row detections of every file of the corpus under every profile. Entries for files
 * that are not in the corpus are ignored, as the reference ignores them.
 */
export function scoreCorpus(
  corpus: NabCorpus,
  detectionsByFile: ReadonlyMap<string, RowDetections> | Readonly<Record<string, RowDetections>>,
): CorpusScore {
  const detections = detectionsFor(corpus, detectionsByFile);
  const profileEntries = PROFILE_NAMES.map((name): [ProfileName, ProfileScore] => {
    const cost = corpus.profiles[name];
    const files = corpus.files.map((f, k) => scoreFile(f, detections[k] as RowDetections, cost));
    const sums = totals(corpus.files, files, cost);
    if (sums.normalised === null) throw new Error(`${corpus.root}: no labelled window in the corpus, nothing to normalise against`);
    return [name, { ...sums, normalised: sums.normalised, files, groups: groupScores(corpus.files, files, cost) }];
  });
  const files = corpus.files.map((f, k) => describeDetections(f, detections[k] as RowDetections));
  return {
    profiles: Object.fromEntries(profileEntries) as Record<ProfileName, ProfileScore>,
    files,
    groups: groupDetails(files),
  };
}
