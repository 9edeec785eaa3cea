/**
 * replay --report's collector (src/replay/report.ts) on a real ReplayRun: the point budget is
 * shared by the series (each trace shrinks as series arrive), the series with most alerts are
 * drawn in that order, and the page says what it folded and left out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { ReplayRun } from '../../src/replay/replay-run.js';
import { ReplayReport } from '../../src/replay/report.js';
import { mulberry32, gaussian } from '../support/random.js';

test('100 series under a 4,000-point budget: 40 points each at most; the 3 with most alerts drawn, first the most', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const g = gaussian(mulberry32(21));
  const t0 = Date.UTC(2026, 2, 1);
  const lines = ['series,timestamp,value'];
  for (let i = 0; i < 500; i++)
    for (let s = 0; s < 100; s++) {
      // Series s (s < 3) spikes 3 - s times after its window is full.
      const spike = s < 3 && i >= 200 && (i - 200) % 100 === 0 && (i - 200) / 100 < 3 - s;
      lines.push(`s${s},${t0 + i * 60_000},${(50 + g() + (spike ? 30 : 0)).toFixed(3)}`);
    }
  const file = join(dir, 'many.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, 'rules:\n  - {name: r, memory: 0, window: 120, z: 5, keep_firing_for: 0, likelihood: false, seasonality: false}\n');
  const config = loadConfig({ file: rules, env: {} });

  let report: ReplayReport | undefined;
  const fired = new Map<string, number>();
  const run = new ReplayRun(config, {
    alert(a) {
      report!.alert(a);
      if (a.event.reason === 'fired') fired.set(a.event.series, (fired.get(a.event.series) ?? 0) + 1);
    },
    reject(f, line, reason) {
      assert.fail(`${f}:${line} rejected (${reason})`);
    },
    processed: (record, dead) => report!.processed(record, dead),
  });
  report = new ReplayReport(run.engine, config.rules, { series: 3, pointBudget: 4000, maxPointsPerSeries: 256 });
  await run.file(file);

  assert.deepEqual([...fired].sort(), [
    ['s0', 3],
    ['s1', 2],
    ['s2', 1],
  ]);
  const page = report.page('t', 's', []);
  assert.deepEqual(
    page.charts.map((c) => c.title),
    ['s0', 's1', 's2'],
  );
  for (const c of page.charts) {
    assert.ok(c.points.ts.length <= 40, `${c.title}: ${c.points.ts.length} points for 500 rows`);
    assert.ok(c.points.ts.length >= 10);
    assert.match(c.notes!.join(' '), /500 rows drawn as \d+ points: the minimum and maximum of every \d+ rows/);
    assert.equal(c.markers.length, 2 * fired.get(c.title)!, 'a fired and a resolved marker per spike');
    // Every spike is still a drawn point after folding 500 rows into 40.
    for (const m of c.markers.filter((x) => x.kind === 'fired'))
      assert.ok(Array.from(c.points.ts).includes(m.ts), `${c.title}: the spike at ${m.ts} is drawn`);
  }
  assert.match(page.notes!.join(' '), /100 series, 3 with alerts; 3 drawn .* 97 listed below the charts and not drawn/);
  assert.equal(page.appendixTables![0]!.rows.length, 97);
});
