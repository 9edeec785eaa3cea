/**
 * make-synthetic — writes bench/data/synthetic/, a small labelled corpus in NAB's layout for unit
 * tests of detector features (one behaviour per series; bench/data/synthetic/README.md describes
 * each). Seeded (mulberry32, one seed per series), so every run writes the same bytes;
 * test/bench/quality/synthetic.test.ts checks the committed files against this script.
 *
 *   npx tsc -p . && node dist/bench/quality/make-synthetic.js [out-dir]
 *
 * Every series has 4032 rows (14 days of 5-minute steps): the probationary period is 604 rows
 * (~2 days), and the anomalies come late enough that a detector with a long memory (a day or
 * more) is warmed up. Windows are placed as NAB's labeler places them: centred on the anomaly's
 * row, ±floor(L / 2) rows with L = floor(10 % · rows / anomalies), clipped to the file.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { gaussian, mulberry32 } from '../../test/support/random.js';
import { formatNabTimestamp } from './nab-timestamp.js';

const ROWS = 4032;
const STEP_MS = 5 * 60_000;
const DAY = 288; // rows per day
const START_MS = Date.UTC(2024, 0, 1); // a Monday, 00:00 UTC
/** NAB's window size: 10 % of the file, shared by its anomalies. */
const WINDOW_FRACTION = 0.1;

interface Series {
  readonly values: number[];
  /** Rows where an anomaly starts (what NAB labels), ascending. */
  readonly anomalies: number[];
}

interface SeriesSpec {
  readonly rel: string;
  readonly seed: number;
  /** Decimals written to the CSV (small files; integers for counts). */
  readonly decimals: number;
  readonly make: (rand: () => number, normal: () => number) => Series;
}

const daily = (i: number, phaseRows = 0): number => Math.sin((2 * Math.PI * (i - phaseRows)) / DAY);

function spikes(rand: () => number, normal: () => number): Series {
  const anomalies = [1500, 2400, 3300];
  const values = Array.from({ length: ROWS }, (_, i) => 50 + 2 * normal() + (anomalies.includes(i) ? 25 + 5 * rand() : 0));
  return { values, anomalies };
}

function dips(rand: () => number, normal: () => number): Series {
  const anomalies = [1300, 2300, 3500];
  const values = Array.from({ length: ROWS }, (_, i) => 100 + 3 * normal() - (anomalies.includes(i) ? 30 + 5 * rand() : 0));
  return { values, anomalies };
}

function levelShift(_rand: () => number, normal: () => number): Series {
  const at = 2600;
  return { values: Array.from({ length: ROWS }, (_, i) => 20 + normal() + (i >= at ? 6 : 0)), anomalies: [at] };
}

function trendChange(_rand: () => number, normal: () => number): Series {
  // Slope 0.002/row, then 0.03/row from `at`: continuous, no jump; only the rate changes.
  const at = 2800;
  const values = Array.from({ length: ROWS }, (_, i) => 10 + 0.002 * i + (i >= at ? 0.028 * (i - at) : 0) + 0.5 * normal());
  return { values, anomalies: [at] };
}

function brokenDaily(_rand: () => number, normal: () => number): Series {
  // Day 10 (rows 2880..3167): the daily peak comes 6 hours late. Every value stays within the
  // usual range; only the shape against the time of day is wrong.
  const from = 10 * DAY;
  const values = Array.from({ length: ROWS }, (_, i) => 50 + 10 * daily(i, i >= from && i < from + DAY ? DAY / 4 : 0) + normal());
  return { values, anomalies: [from] };
}

function burstyCounts(rand: () => number): Series {
  // Mostly 0; 2 % of rows start a short blip of 1..3 rows with counts 1..6 (normal noise for
  // event counts); at `at`, a two-hour burst of 40..60 per row.
  const at = 3000;
  const inBurst = (i: number): boolean => i >= at && i < at + 24;
  const values = new Array<number>(ROWS).fill(0);
  for (let i = 0; i < ROWS; i++) {
    if (inBurst(i)) values[i] = 40 + Math.floor(21 * rand());
    else if (rand() < 0.02) {
      const len = 1 + Math.floor(3 * rand());
      for (let k = i; k < Math.min(i + len, ROWS); k++) if (!inBurst(k)) values[k] = 1 + Math.floor(6 * rand());
    }
  }
  return { values, anomalies: [at] };
}

function flatJump(rand: () => number): Series {
  // 10 ± 0.01 (uniform): a variance near zero. At `at` the level steps up by 0.5 and stays.
  const at = 2700;
  return { values: Array.from({ length: ROWS }, (_, i) => 10 + 0.02 * (rand() - 0.5) + (i >= at ? 0.5 : 0)), anomalies: [at] };
}

function slowDrift(_rand: () => number, normal: () => number): Series {
  // +12 over the file plus a 9-day swell of ±4: slow enough to be no anomaly.
  const values = Array.from({ length: ROWS }, (_, i) => 40 + (12 * i) / ROWS + 4 * Math.sin((2 * Math.PI * i) / (9 * DAY)) + normal());
  return { values, anomalies: [] };
}

function dailySeasonal(_rand: () => number, normal: () => number): Series {
  return { values: Array.from({ length: ROWS }, (_, i) => 50 + 10 * daily(i) + normal()), anomalies: [] };
}

export const SERIES: readonly SeriesSpec[] = [
  { rel: 'withAnomaly/isolated_spikes.csv', seed: 101, decimals: 3, make: spikes },
  { rel: 'withAnomaly/isolated_dips.csv', seed: 102, decimals: 3, make: dips },
  { rel: 'withAnomaly/level_shift.csv', seed: 103, decimals: 3, make: levelShift },
  { rel: 'withAnomaly/trend_change.csv', seed: 104, decimals: 3, make: trendChange },
  { rel: 'withAnomaly/broken_daily_seasonality.csv', seed: 105, decimals: 3, make: brokenDaily },
  { rel: 'withAnomaly/bursty_counts.csv', seed: 106, decimals: 0, make: burstyCounts },
  { rel: 'withAnomaly/flat_jitter_jump.csv', seed: 107, decimals: 4, make: flatJump },
  { rel: 'noAnomaly/slow_drift.csv', seed: 108, decimals: 3, make: slowDrift },
  { rel: 'noAnomaly/daily_seasonal.csv', seed: 109, decimals: 3, make: dailySeasonal },
];

/** NAB's labeler: [row − floor(L/2), row + floor(L/2)] clipped, L = floor(10 % · rows / anomalies). */
export function windowRows(anomalies: readonly number[], rows: number): [number, number][] {
  if (anomalies.length === 0) return [];
  const half = Math.floor(Math.floor((WINDOW_FRACTION * rows) / anomalies.length) / 2);
  return anomalies.map((a) => [Math.max(a - half, 0), Math.min(a + half, rows - 1)]);
}

const stamp = (row: number): string => formatNabTimestamp(START_MS + row * STEP_MS);

export interface SyntheticCorpus {
  /** rel → CSV text. */
  readonly files: ReadonlyMap<string, string>;
  /** labels/combined_windows.json text. */
  readonly labels: string;
}

/** The whole corpus as text (pure; main() writes it). */
export function buildSyntheticCorpus(): SyntheticCorpus {
  const files = new Map<string, string>();
  const labels: Record<string, [string, string][]> = {};
  for (const spec of SERIES) {
    const rand = mulberry32(spec.seed);
    const { values, anomalies } = spec.make(rand, gaussian(rand));
    const lines = values.map((v, i) => `${stamp(i)},${v.toFixed(spec.decimals)}`);
    files.set(spec.rel, `timestamp,value\n${lines.join('\n')}\n`);
    // Labels as NAB writes them: microseconds included.
    labels[spec.rel] = windowRows(anomalies, values.length).map(([a, b]) => [`${stamp(a)}.000000`, `${stamp(b)}.000000`]);
  }
  return { files, labels: `${JSON.stringify(labels, null, 4)}\n` };
}

function main(): void {
  const root = fileURLToPath(new URL('../../../', import.meta.url)); // from dist/bench/quality
  const out = process.argv[2] ?? join(root, 'bench', 'data', 'synthetic');
  const corpus = buildSyntheticCorpus();
  for (const [rel, text] of corpus.files) {
    mkdirSync(dirname(join(out, 'data', rel)), { recursive: true });
    writeFileSync(join(out, 'data', rel), text);
  }
  mkdirSync(join(out, 'labels'), { recursive: true });
  writeFileSync(join(out, 'labels', 'combined_windows.json'), corpus.labels);
  // NAB's cost profiles, so the corpus loads and scores like nab-dev.
  mkdirSync(join(out, 'config'), { recursive: true });
  copyFileSync(join(root, 'bench', 'data', 'nab-dev', 'config', 'profiles.json'), join(out, 'config', 'profiles.json'));
  process.stdout.write(`wrote ${corpus.files.size} series to ${out}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
