/**
 * A labelled corpus in NAB's layout — `data/<group>/<name>.csv` (timestamp,value),
 * `labels/combined_windows.json` ({"<group>/<name>.csv": [[start, end], ...]}),
 * `config/profiles.json` — loaded into files that carry everything the scorer needs, computed once
 * (nabscore.load_corpus / DataFile). Loading is the only I/O; buildNabFile is pure.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseCsvNumber, readCsvColumns } from './nab-csv.js';
import { parseProfiles, type Profiles } from './nab-profiles.js';
import { probationLength, sweepRows, type NabWindow } from './nab-sweep.js';
import { parseNabTimestamp } from './nab-timestamp.js';

export interface NabFile {
  /** Path under data/, with `/` separators: the key of combined_windows.json. */
  readonly rel: string;
  /** The folder under data/ (NAB's "corpus group", e.g. realAWSCloudwatch); '' for a file at the top. */
  readonly group: string;
  /** Per row: Unix ms (UTC); can repeat a value, as a few NAB files do. */
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  /** The labelled windows, in the order of the labels file. */
  readonly windows: readonly NabWindow[];
  /** Rows with index < probation are ignored (see probationLength). */
  readonly probation: number;
  /** Per row: its window's index, −1 outside every window. */
  readonly rowWindow: Int32Array;
  /** Per row: NAB's unweighted sweep score (see sweepRows). */
  readonly rowUnweighted: Float64Array;
  /**
   * Indices of the windows that have at least one row after the probationary period, ascending.
   * Only these can be caught or missed; a window entirely in probation still counts in the
   * corpus's perfect score (NAB does so).
   */
  readonly scoredWindows: readonly number[];
}

export interface NabCorpus {
  readonly root: string;
  /** Sorted by rel (code-point order, as Python's sorted()). */
  readonly files: readonly NabFile[];
  readonly profiles: Profiles;
  /** Every labelled window of every file, scored or not: the basis of the perfect score. */
  readonly windowsTotal: number;
}

function groupOf(rel: string): string {
  const slash = rel.lastIndexOf('/');
  return slash < 0 ? '' : rel.slice(0, slash);
}

/** A file from its rows and windows; computes the probation, the row sweep and the scored windows. */
export function buildNabFile(rel: string, timestamps: Float64Array, values: Float64Array, windows: readonly NabWindow[]): NabFile {
  if (values.length !== timestamps.length) throw new Error(`${rel}: ${timestamps.length} timestamps but ${values.length} values`);
  const probation = probationLength(timestamps.length);
  const { rowWindow, rowUnweighted } = sweepRows(rel, timestamps, windows);
  const scored = new Set<number>();
  for (let i = 0; i < rowWindow.length; i++) {
    const w = rowWindow[i] as number;
    if (w >= 0 && i >= probation) scored.add(w);
  }
  const scoredWindows = [...scored].sort((a, b) => a - b);
  return { rel, group: groupOf(rel), timestamps, values, windows, probation, rowWindow, rowUnweighted, scoredWindows };
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

/** combined_windows.json → {rel: windows}, checking its shape. */
function parseWindows(json: unknown, source: string): Map<string, NabWindow[]> {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error(`${source}: expected an object {file: [[start, end], ...]}`);
  const out = new Map<string, NabWindow[]>();
  for (const [rel, list] of Object.entries(json as Record<string, unknown>)) {
    if (!Array.isArray(list)) throw new Error(`${source}: ${rel}: expected a list of [start, end] pairs`);
    out.set(
      rel,
      list.map((pair: unknown) => {
        if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
          throw new Error(`${source}: ${rel}: a window must be [start, end] timestamps, got ${JSON.stringify(pair)}`);
        }
        return { startMs: parseNabTimestamp(pair[0]), endMs: parseNabTimestamp(pair[1]) };
      }),
    );
  }
  return out;
}

/** One data file, read from data/<rel>. */
function loadFile(root: string, rel: string, windows: readonly NabWindow[]): NabFile {
  const path = join(root, 'data', rel);
  const cols = readCsvColumns(readFileSync(path, 'utf8'), ['timestamp', 'value'], path);
  const timestamps = Float64Array.from(cols.timestamp, (s) => parseNabTimestamp(s));
  const values = Float64Array.from(cols.value, (s) => parseCsvNumber(s, path));
  return buildNabFile(rel, timestamps, values, windows);
}

/**
 * Loads a corpus folder. Every file listed in labels/combined_windows.json is loaded (files in
 * data/ without labels are not part of the corpus, as in NAB).
 */
export function loadCorpus(root: string): NabCorpus {
  const labels = parseWindows(readJson(join(root, 'labels', 'combined_windows.json')), join(root, 'labels', 'combined_windows.json'));
  const profiles = parseProfiles(readJson(join(root, 'config', 'profiles.json')), join(root, 'config', 'profiles.json'));
  const rels = [...labels.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (rels.length === 0) throw new Error(`${root}: labels/combined_windows.json lists no data files`);
  const files = rels.map((rel) => loadFile(root, rel, labels.get(rel) as NabWindow[]));
  const windowsTotal = files.reduce((sum, f) => sum + f.windows.length, 0);
  return { root, files, profiles, windowsTotal };
}
