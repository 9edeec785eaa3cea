/**
 * The quality benchmark's runner: every file of a labelled corpus in NAB's layout goes through the
 * one detection path — `ReplayRun` (src/replay/replay-run.ts), what `sigmawatch replay` runs: the
 * replay reader into an Engine in batches — with one run (one Engine) per file, each NAB file being
 * its own series. Every firing event is a detection at its `ts` (scored "as emitted"); the NAB
 * scorer turns them into the three profiles' scores, and the SRE view adds windows caught, delays,
 * alerts outside the windows per series-day and flaps.
 */
import { join } from 'node:path';

import { ReplayRun } from '../../src/replay/replay-run.js';
import type { Config } from '../../src/config/index.js';
import { loadCorpus, rowsDetectedAt, scoreCorpus, PROFILE_NAMES, type NabFile, type ProfileName } from './nab-scorer.js';

const DAY_MS = 86_400_000;

/** What the engine made of one file. */
export interface FileRun {
  /** `ts` of every firing event, in emission order. */
  readonly firingMs: number[];
  /** Resolved events. */
  readonly resolved: number;
  /** Resolved events the engine marked as flaps (resolved within alerts.flap_window of firing). */
  readonly flaps: number;
  /** Rows that became samples; rows skipped (the reader's rejects and the engine's dead letters). */
  readonly rows: number;
  readonly rejected: number;
}

/** One file through its own ReplayRun (one engine), exactly as `sigmawatch replay FILE` runs it. */
export async function feedFile(path: string, config: Config): Promise<FileRun> {
  const firingMs: number[] = [];
  let resolved = 0;
  let flaps = 0;
  let rejected = 0;
  const run = new ReplayRun(config, {
    alert(a) {
      if (a.event.status === 'firing') firingMs.push(a.event.ts);
      else resolved++;
      if (a.flap) flaps++;
    },
    reject() {
      rejected++;
    },
  });
  await run.file(path);
  return { firingMs, resolved, flaps, rows: run.totals.rows, rejected };
}

export interface QualityOptions {
  /** Corpus folder in NAB's layout (data/, labels/combined_windows.json, config/profiles.json). */
  readonly dataDir: string;
  readonly config: Config;
  /** What to call the configuration in the report: its path, or "defaults". */
  readonly configLabel: string;
  /** What to call the data folder in the report; default: dataDir. */
  readonly dataLabel?: string;
  /** One line per file (progress); default: none. */
  readonly onFile?: (line: string) => void;
}

/** The SRE view of a set of files (a group, or all). */
export interface SreSummary {
  readonly files: number;
  /** Windows with a row after probation (only these can be caught), and those caught. */
  readonly windows: number;
  readonly windowsCaught: number;
  /** Median delay, window start → first firing event inside it, over caught windows; null if none. */
  readonly medianDelayMinutes: number | null;
  readonly medianDelayRows: number | null;
  /** Firing events: all, and after probation outside every window. */
  readonly alerts: number;
  readonly alertsOutside: number;
  /** Series-days after probation: (last timestamp − timestamp of the first scored row) / 1 day. */
  readonly seriesDays: number;
  readonly outsidePerSeriesDay: number | null;
  /** Resolved within alerts.flap_window of firing (whole file, probation included, as replay counts). */
  readonly flaps: number;
}

export interface NabScores {
  /** Normalised NAB score per profile (null for a group without windows: nothing to normalise against). */
  readonly standard: number | null;
  readonly reward_low_FP_rate: number | null;
  readonly reward_low_FN_rate: number | null;
}

export interface QualityFile extends SreSummary {
  readonly file: string;
  readonly group: string;
  readonly rows: number;
  readonly probation: number;
  /** Delay of each caught window: minutes and rows from the window's first row. */
  readonly delays: readonly { readonly window: number; readonly minutes: number; readonly rows: number }[];
  /** Rows skipped: rejected by the reader or turned into dead letters by the engine (should be 0). */
  readonly rejectedRows: number;
  /** Firing timestamps that match no row (cannot be scored; should be 0). */
  readonly unmatchedAlerts: number;
}

export interface QualityGroup extends SreSummary {
  readonly group: string;
  readonly nab: NabScores;
}

export interface QualityReport {
  readonly data: string;
  readonly config: string;
  readonly rules: Config['rules'];
  readonly flapWindowMs: number;
  readonly scoring: string;
  readonly seconds: number;
  readonly total: SreSummary & { readonly nab: NabScores & { readonly raw: Record<ProfileName, number> } };
  readonly groups: readonly QualityGroup[];
  readonly files: readonly QualityFile[];
}

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function seriesDays(f: NabFile): number {
  const n = f.timestamps.length;
  return n > f.probation ? ((f.timestamps[n - 1] as number) - (f.timestamps[f.probation] as number)) / DAY_MS : 0;
}

/** Delay in rows of a caught window: first detected row in it (after probation) − its first row. */
function delayRows(f: NabFile, window: number, detected: Uint8Array): number {
  let start = -1;
  for (let i = 0; i < f.rowWindow.length; i++) {
    if (f.rowWindow[i] !== window) continue;
    if (start < 0) start = i;
    if (i >= f.probation && detected[i] === 1) return i - start;
  }
  throw new Error(`${f.rel}: window ${window} has no detection`);
}

function summarise(files: readonly QualityFile[]): SreSummary {
  const delays = files.flatMap((f) => f.delays);
  const days = files.reduce((s, f) => s + f.seriesDays, 0);
  const outside = files.reduce((s, f) => s + f.alertsOutside, 0);
  return {
    files: files.length,
    windows: files.reduce((s, f) => s + f.windows, 0),
    windowsCaught: files.reduce((s, f) => s + f.windowsCaught, 0),
    medianDelayMinutes: median(delays.map((d) => d.minutes)),
    medianDelayRows: median(delays.map((d) => d.rows)),
    alerts: files.reduce((s, f) => s + f.alerts, 0),
    alertsOutside: outside,
    seriesDays: days,
    outsidePerSeriesDay: days > 0 ? outside / days : null,
    flaps: files.reduce((s, f) => s + f.flaps, 0),
  };
}

/** Runs the detector over the corpus and scores it. */
export async function runQuality(o: QualityOptions): Promise<QualityReport> {
  const started = performance.now();
  const corpus = loadCorpus(o.dataDir);
  const detections = new Map<string, Uint8Array>();
  const runs = new Map<string, { run: FileRun; unmatched: number }>();
  for (const f of corpus.files) {
    const run = await feedFile(join(o.dataDir, 'data', f.rel), o.config);
    const { rows, unmatched } = rowsDetectedAt(f, run.firingMs);
    detections.set(f.rel, rows);
    runs.set(f.rel, { run, unmatched: unmatched.length });
  }
  const score = scoreCorpus(corpus, detections);
  const files: QualityFile[] = corpus.files.map((f, k) => {
    const d = score.files[k]!;
    const { run, unmatched } = runs.get(f.rel)!;
    const rows = detections.get(f.rel)!;
    const delays = d.caught.map((c) => ({ window: c.window, minutes: c.delayMs / 60_000, rows: delayRows(f, c.window, rows) }));
    const days = seriesDays(f);
    const qf: QualityFile = {
      file: f.rel,
      group: f.group,
      rows: f.timestamps.length,
      probation: f.probation,
      files: 1,
      windows: d.windowsScored,
      windowsCaught: d.caught.length,
      medianDelayMinutes: median(delays.map((x) => x.minutes)),
      medianDelayRows: median(delays.map((x) => x.rows)),
      alerts: run.firingMs.length,
      alertsOutside: d.detectionsOutside,
      seriesDays: days,
      outsidePerSeriesDay: days > 0 ? d.detectionsOutside / days : null,
      flaps: run.flaps,
      delays,
      rejectedRows: run.rejected,
      unmatchedAlerts: unmatched,
    };
    o.onFile?.(
      `quality ${f.rel}: ${qf.rows} rows, ${qf.alerts} alerts, windows ${qf.windowsCaught}/${qf.windows}, ` +
        `outside ${qf.alertsOutside}, flaps ${qf.flaps}` +
        (run.rejected + unmatched > 0 ? `, rows skipped ${run.rejected}, alerts matching no row ${unmatched}` : ''),
    );
    return qf;
  });
  const nabOf = (pick: (name: ProfileName) => number | null): NabScores =>
    Object.fromEntries(PROFILE_NAMES.map((p) => [p, pick(p)])) as unknown as NabScores;
  const groups: QualityGroup[] = score.profiles.standard.groups.map((g, gi) => ({
    group: g.group,
    ...summarise(files.filter((f) => f.group === g.group)),
    nab: nabOf((p) => score.profiles[p].groups[gi]!.normalised),
  }));
  return {
    data: o.dataLabel ?? o.dataDir,
    config: o.configLabel,
    rules: o.config.rules,
    flapWindowMs: o.config.alerts.flapWindowMs,
    scoring: 'NAB, as emitted: each firing event is a detection at its ts (threshold 1)',
    seconds: (performance.now() - started) / 1000,
    total: {
      ...summarise(files),
      nab: {
        ...nabOf((p) => score.profiles[p].normalised),
        raw: Object.fromEntries(PROFILE_NAMES.map((p) => [p, score.profiles[p].raw])) as Record<ProfileName, number>,
      },
    },
    groups,
    files,
  };
}

const num = (x: number | null, digits: number): string => (x === null ? '—' : x.toFixed(digits));

/** The report as a markdown section: one row per group and the total. */
export function qualityMarkdown(r: QualityReport, command: string): string {
  const head =
    '| group | files | NAB standard | low FP | low FN | windows caught | median delay (min / rows) | alerts outside windows | series-days | outside / series-day | flaps |\n' +
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const row = (name: string, s: SreSummary, n: NabScores) =>
    `| ${name} | ${s.files} | ${num(n.standard, 1)} | ${num(n.reward_low_FP_rate, 1)} | ${num(n.reward_low_FN_rate, 1)} | ` +
    `${s.windowsCaught} / ${s.windows} | ${num(s.medianDelayMinutes, 0)} / ${num(s.medianDelayRows, 0)} | ${s.alertsOutside} | ` +
    `${s.seriesDays.toFixed(1)} | ${num(s.outsidePerSeriesDay, 3)} | ${s.flaps} |`;
  return [
    `## Detection quality on labelled data (\`${command}\`)`,
    '',
    `Data \`${r.data}\`, configuration: ${r.config}. Each file is replayed through its own engine (replay's reader and batches); ` +
      "every firing event is a detection at its timestamp, scored with NAB's rules as emitted (normalised: 0 = never alerting, 100 = perfect). " +
      "Windows, delays and alerts outside windows count after NAB's probationary period (the first 15 % of each file); " +
      "a delay runs from the window's start to the first alert in it; series-days are the time after probation; " +
      `flaps are alerts resolved within alerts.flap_window (${r.flapWindowMs / 60_000} min) of firing. Raw numbers: \`bench/results/quality.json\`.`,
    '',
    head,
    ...r.groups.map((g) => row(g.group === '' ? '(top)' : g.group, g, g.nab)),
    row('**total**', r.total, r.total.nab),
  ].join('\n');
}
