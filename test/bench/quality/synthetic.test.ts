/**
 * bench/data/synthetic is what bench/quality/make-synthetic.ts writes (so it can be regenerated and
 * reviewed as code), loads as a NAB corpus, and is labelled as NAB labels: windows of 10 % of the
 * file per file, shared by its anomalies, centred on each, after the probationary period.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildSyntheticCorpus, windowRows } from '../../../bench/quality/make-synthetic.js';
import { loadCorpus, scoreCorpus } from '../../../bench/quality/nab-scorer.js';

const DIR = fileURLToPath(new URL('../../../../bench/data/synthetic/', import.meta.url)); // from dist/test/bench/quality

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

test('the committed corpus is exactly what make-synthetic.ts writes', () => {
  const built = buildSyntheticCorpus();
  assert.deepEqual(filesUnder(join(DIR, 'data')).sort(), [...built.files.keys()].sort(), 'no missing or stray data files');
  for (const [rel, text] of built.files) assert.equal(readFileSync(join(DIR, 'data', rel), 'utf8'), text, `${rel}: rerun make-synthetic`);
  assert.equal(readFileSync(join(DIR, 'labels', 'combined_windows.json'), 'utf8'), built.labels);
});

test('NAB window rule: L = floor(10 % · rows / anomalies), ±floor(L/2) around each, clipped', () => {
  assert.deepEqual(windowRows([2000], 4032), [[1799, 2201]]);
  assert.deepEqual(windowRows([1500, 2400, 3300], 4032), [
    [1433, 1567],
    [2333, 2467],
    [3233, 3367],
  ]);
  assert.deepEqual(windowRows([10], 4032), [[0, 211]]);
  assert.deepEqual(windowRows([], 4032), []);
});

test('it loads as a NAB corpus; every window is after probation; detecting each anomaly row catches every window mid-way', () => {
  const corpus = loadCorpus(DIR);
  const sizes = filesUnder(join(DIR, 'data')).reduce((s, rel) => s + statSync(join(DIR, 'data', rel)).size, 0);
  assert.ok(sizes < 2_000_000, `data files total ${sizes} bytes`);
  assert.equal(corpus.files.length, 9);
  assert.equal(corpus.windowsTotal, 11);
  assert.deepEqual(
    corpus.files.filter((f) => f.windows.length === 0).map((f) => f.rel),
    ['noAnomaly/daily_seasonal.csv', 'noAnomaly/slow_drift.csv'],
  );
  for (const f of corpus.files) {
    assert.equal(f.timestamps.length, 4032, f.rel);
    assert.equal(f.scoredWindows.length, f.windows.length, `${f.rel}: no window in probation`);
    assert.ok(
      f.windows.every((w) => w.startMs > (f.timestamps[f.probation] as number)),
      `${f.rel}: windows start after probation`,
    );
  }
  // The anomaly is the centre row of its window.
  const detections = new Map(
    corpus.files.map((f) => {
      const rows = new Uint8Array(f.timestamps.length);
      for (const w of f.windows) rows[f.timestamps.indexOf((w.startMs + w.endMs) / 2)] = 1;
      return [f.rel, rows] as const;
    }),
  );
  const result = scoreCorpus(corpus, detections);
  assert.deepEqual(
    result.groups.map((g) => [g.group, g.windowsCaught, g.windowsMissed, g.detectionsOutside]),
    [
      ['noAnomaly', 0, 0, 0],
      ['withAnomaly', 11, 0, 0],
    ],
  );
  for (const f of result.files) for (const c of f.caught) assert.equal(c.delayMs, (c.endMs - c.startMs) / 2, f.file);
  assert.ok(
    result.profiles.standard.normalised > 80 && result.profiles.standard.normalised < 100,
    `${result.profiles.standard.normalised}`,
  );
});
