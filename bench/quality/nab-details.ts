/**
 * What a set of detections did on each file, independent of the cost profile: which windows it
 * caught and how late, which it missed, and how many detections fell outside every window. The
 * NAB score condenses these; a detector's author needs them to see why the score moved.
 */
import type { NabFile } from './nab-corpus.js';
import { isDetection, type RowDetections } from './nab-detections.js';

export interface WindowRef {
  /** Index in the file's window list. */
  readonly window: number;
  readonly startMs: number;
  readonly endMs: number;
}

export interface CaughtWindow extends WindowRef {
  /** Timestamp of the window's earliest detection after probation: the one NAB rewards. */
  readonly firstDetectionMs: number;
  /** firstDetectionMs − startMs. */
  readonly delayMs: number;
}

export interface FileDetail {
  readonly file: string;
  readonly group: string;
  readonly rows: number;
  readonly probation: number;
  /** Labelled windows, and those with a row after probation (only these are caught or missed). */
  readonly windows: number;
  readonly windowsScored: number;
  readonly caught: readonly CaughtWindow[];
  readonly missed: readonly WindowRef[];
  /** Detected rows after probation: inside a window, outside every window. */
  readonly detectionsInWindows: number;
  readonly detectionsOutside: number;
  /** Detected rows in the probationary period: ignored by the score. */
  readonly detectionsInProbation: number;
}

export interface GroupDetail {
  readonly group: string;
  readonly files: number;
  readonly windows: number;
  readonly windowsScored: number;
  readonly windowsCaught: number;
  readonly windowsMissed: number;
  readonly detectionsInWindows: number;
  readonly detectionsOutside: number;
  /** Delay of every caught window, files in corpus order. */
  readonly delaysMs: readonly number[];
}

function windowRef(file: NabFile, window: number): WindowRef {
  const w = file.windows[window];
  if (w === undefined) throw new Error(`${file.rel}: no window ${window}`);
  return { window, startMs: w.startMs, endMs: w.endMs };
}

/** The details of one file; `detected` has one entry per row (see isDetection). */
export function describeDetections(file: NabFile, detected: RowDetections): FileDetail {
  if (detected.length !== file.rowWindow.length)
    throw new Error(`${file.rel}: ${detected.length} detections for ${file.rowWindow.length} rows`);
  const firstRow = new Map<number, number>();
  let inWindows = 0;
  let outside = 0;
  let inProbation = 0;
  for (let i = 0; i < detected.length; i++) {
    if (!isDetection(detected[i] as boolean | number)) continue;
    if (i < file.probation) {
      inProbation++;
      continue;
    }
    const w = file.rowWindow[i] as number;
    if (w < 0) {
      outside++;
    } else {
      inWindows++;
      if (!firstRow.has(w)) firstRow.set(w, i);
    }
  }
  const caught: CaughtWindow[] = [];
  const missed: WindowRef[] = [];
  for (const w of file.scoredWindows) {
    const row = firstRow.get(w);
    const ref = windowRef(file, w);
    if (row === undefined) {
      missed.push(ref);
    } else {
      const firstDetectionMs = file.timestamps[row] as number;
      caught.push({ ...ref, firstDetectionMs, delayMs: firstDetectionMs - ref.startMs });
    }
  }
  return {
    file: file.rel,
    group: file.group,
    rows: file.rowWindow.length,
    probation: file.probation,
    windows: file.windows.length,
    windowsScored: file.scoredWindows.length,
    caught,
    missed,
    detectionsInWindows: inWindows,
    detectionsOutside: outside,
    detectionsInProbation: inProbation,
  };
}

/** Per-group sums of file details, groups in order of first appearance. */
export function groupDetails(files: readonly FileDetail[]): GroupDetail[] {
  const groups = new Map<string, { -readonly [K in keyof GroupDetail]: GroupDetail[K] } & { delaysMs: number[] }>();
  for (const f of files) {
    let g = groups.get(f.group);
    if (g === undefined) {
      g = {
        group: f.group,
        files: 0,
        windows: 0,
        windowsScored: 0,
        windowsCaught: 0,
        windowsMissed: 0,
        detectionsInWindows: 0,
        detectionsOutside: 0,
        delaysMs: [],
      };
      groups.set(f.group, g);
    }
    g.files++;
    g.windows += f.windows;
    g.windowsScored += f.windowsScored;
    g.windowsCaught += f.caught.length;
    g.windowsMissed += f.missed.length;
    g.detectionsInWindows += f.detectionsInWindows;
    g.detectionsOutside += f.detectionsOutside;
    for (const c of f.caught) g.delaysMs.push(c.delayMs);
  }
  return [...groups.values()];
}
