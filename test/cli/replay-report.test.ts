/**
 * `replay --report FILE.html` end to end: the CLI writes the page, and the real headless chromium
 * (Debian's, through playwright-core) loads it from file:// with no network: no console or page
 * error, each drawn series has a canvas with the value line, the band and one marker per alert
 * event of that series (counted from replay's own JSON lines), and the page's tables carry the
 * summary's figures. A screenshot of each page is kept in test-artifacts/ (git-ignored).
 */
import { test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/cli.js';
import { mulberry32, gaussian } from '../support/random.js';
import { decodeAlert, type AlertEvent } from '../../src/codec/alerts.js';
import { openReport, drawnCharts, hoverMarker } from '../report/browser.js';

const BUNDLED = fileURLToPath(new URL('../../../config/examples/data/checkout_latency_ms.csv', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const alertsOf = (stdout: string): AlertEvent[] =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => decodeAlert(Buffer.from(l)));

/** The page's embedded data (what the page script draws). */
interface PageData {
  charts: {
    id: string;
    t: number[];
    v: (number | null)[];
    lo: (number | null)[];
    hi: (number | null)[];
    spans: [number, number, number][];
    markers: { t: number; kind: string }[];
  }[];
}
function pageData(html: string): PageData {
  const m = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html);
  assert.ok(m, 'the page embeds its data as JSON');
  return JSON.parse(m[1]!) as PageData;
}

/**
 * The band is the baseline the detector scored each sample against: at each fired sample that is
 * drawn, mean ± threshold × std of its event (the daily profile's, the long memory's or the
 * window's). Returns how many were checked.
 */
function bandAtFired(chart: PageData['charts'][number], events: AlertEvent[]): number {
  let checked = 0;
  for (const e of events.filter((x) => x.reason === 'fired')) {
    const k = chart.t.indexOf(e.ts / 1000);
    if (k < 0) continue;
    checked++;
    const close = (a: number | null, b: number) => a !== null && Math.abs(a - b) <= 1e-4 * Math.abs(b);
    assert.ok(
      close(chart.lo[k]!, e.mean - e.threshold! * e.std),
      `lo at ${e.ts}: ${chart.lo[k]} vs ${e.mean} - ${e.threshold}·${e.std} (${e.baseline})`,
    );
    assert.ok(close(chart.hi[k]!, e.mean + e.threshold! * e.std), `hi at ${e.ts}: ${chart.hi[k]} (${e.baseline})`);
  }
  return checked;
}

async function screenshot(t: TestContext, page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  t.diagnostic(`screenshot: ${path}`);
  return path;
}

test('the bundled sample: a page chromium draws offline, with the band, the spans and a marker per alert event', async (t) => {
  const dir = tempDir(t);
  const html = join(dir, 'sample.html');
  const r = await runCli(['replay', '--report', html, BUNDLED], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const events = alertsOf(r.stdout);
  assert.ok(events.length >= 4, `the sample's injected anomalies alert (${events.length} events)`);
  assert.match(r.stderr, new RegExp(`report: ${html} \\(\\d+ KB, 1 of 1 series drawn`));

  const text = readFileSync(html, 'utf8');
  const kb = statSync(html).size / 1024;
  t.diagnostic(`report of the bundled sample: ${kb.toFixed(0)} KB`);
  assert.ok(kb < 400, `page size ${kb.toFixed(0)} KB`);
  assert.doesNotMatch(text, /<script[^>]+src=|<link[^>]+href="(?!data:)/, 'nothing is loaded from elsewhere');
  // The summary's figures, the same on the page as on stderr.
  const fired = events.filter((e) => e.reason === 'fired').length;
  const resolved = events.filter((e) => e.reason === 'resolved').length;
  assert.match(r.stderr, new RegExp(`alerts: ${fired} fired, ${resolved} resolved`));
  assert.match(text, new RegExp(`${fired} fired, ${resolved} resolved`));
  assert.match(text, /4,320 rows drawn as [\d,]+ points: the minimum and maximum of every \d+ rows/, 'the page says it decimated');

  const data = pageData(text).charts[0]!;
  assert.ok(data.t.length <= 2048 && data.t.length >= 512, `points drawn: ${data.t.length}`);
  assert.ok(data.lo.filter((x) => x !== null).length > data.t.length * 0.9, 'the band is known once the rule has learnt');
  assert.equal(data.spans.filter(([kind]) => kind === 1).length, fired, 'one firing span per episode');
  // Each firing span runs from its fired event to its resolved event.
  const firedAt = events.filter((e) => e.reason === 'fired').map((e) => e.ts / 1000);
  assert.deepEqual(
    data.spans.filter(([kind]) => kind === 1).map(([, from]) => from),
    firedAt,
  );
  // The spike itself survives decimation: the largest |value - median| of the rows is drawn.
  const max = Math.max(...events.filter((e) => e.reason === 'fired').map((e) => e.value));
  assert.ok(
    data.v.some((v) => v === max),
    `the highest firing value ${max} is a drawn point`,
  );
  assert.ok(bandAtFired(data, events) >= 3, 'fired samples drawn and their band checked');

  const loaded = await openReport(html);
  t.after(() => loaded.close());
  const charts = await drawnCharts(loaded.page);
  await screenshot(t, loaded.page, 'replay-report.png');
  assert.deepEqual(loaded.errors, [], 'no console or page errors');
  assert.deepEqual(loaded.network, [], 'no network request');
  assert.equal(charts.length, 1);
  const c = charts[0]!;
  assert.equal(c.title, 'checkout_latency_ms');
  assert.ok(c.drawn, 'the page script drew the chart');
  assert.equal(c.markers, events.length, 'one marker per alert event');
  assert.ok(c.linePixels > 1000, `value line pixels: ${c.linePixels}`);
  assert.ok(c.bandPixels > 5000, `band pixels: ${c.bandPixels}`);
  assert.ok(c.redPixels > 20, `firing spans and fired markers are red: ${c.redPixels}`);
  // The cursor on a marker shows the event: its time, reason, severity, z and expected band.
  const first = events.find((e) => e.reason === 'fired')!;
  const { tip, label } = await hoverMarker(loaded.page, 0, 'fired');
  assert.match(
    label,
    new RegExp(`^fired ${first.severity} \\(rule ${first.rule}, by ${first.trigger}\\): value [\\d.]+, z ${first.z.toFixed(2)}, expected`),
  );
  assert.equal(tip, `${new Date(first.ts).toISOString().replace('T', ' ').replace('.000Z', 'Z')}  ${label}`);
});

/**
 * 20 series, one sample a minute for 400 minutes: series i < 4 has 4 - i sustained shifts (5
 * samples, fired after `for: 2`), every series but the first has one single-sample spike (held back
 * by `for`: a pending span and no event).
 */
function fleet(dir: string): { file: string; rules: string } {
  const g = gaussian(mulberry32(11));
  const t0 = Date.UTC(2026, 0, 5);
  const lines = ['series,timestamp,value'];
  // Rows in time order across series, as a metrics export has them (replay's idle eviction runs
  // on the clock of all series: a file sorted by series would evict the ones it reads late).
  for (let i = 0; i < 400; i++) {
    for (let s = 0; s < 20; s++) {
      const id = `"checkout_latency{host=""h${String(s).padStart(2, '0')}""}"`;
      let x = 100 + 2 * g();
      for (let k = 0; k < 4 - s; k++) if (i >= 150 + 50 * k && i < 155 + 50 * k) x += 40;
      if (s > 0 && i === 360) x += 40;
      lines.push(`${id},${t0 + i * 60_000},${x.toFixed(3)}`);
    }
  }
  const file = join(dir, 'fleet.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  const rules = join(dir, 'rules.yaml');
  writeFileSync(
    rules,
    'rules:\n  - {name: shift, memory: 0, window: 120, z: 5, for: 2, keep_firing_for: 0, likelihood: false, seasonality: false, baseline: exclude_anomalies}\n',
  );
  return { file, rules };
}

test('many series: the N with most alerts are drawn, the rest listed; pending spans of breaches held back by `for`', async (t) => {
  const dir = tempDir(t);
  const { file, rules } = fleet(dir);
  const html = join(dir, 'fleet.html');
  const r = await runCli(['replay', '--config', rules, '--report', html, '--report-series', '3', file], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const events = alertsOf(r.stdout);
  const bySeries = new Map<string, AlertEvent[]>();
  for (const e of events) bySeries.set(e.series, [...(bySeries.get(e.series) ?? []), e]);
  const firedOf = (s: string) => (bySeries.get(s) ?? []).filter((e) => e.reason === 'fired').length;
  assert.deepEqual(
    ['h00', 'h01', 'h02', 'h03'].map((h) => firedOf(`checkout_latency{host="${h}"}`)),
    [4, 3, 2, 1],
    'each sustained shift fires once; single spikes are held back',
  );
  assert.match(r.stderr, /breaches held back by `for`: 19\b/);
  assert.match(r.stderr, /3 of 20 series drawn/);

  const text = readFileSync(html, 'utf8');
  assert.match(text, /Series not drawn \(17\)/);
  assert.match(text, /breaches held back by `for`<\/th><td>19 /);
  const data = pageData(text);
  assert.equal(data.charts.length, 3);
  // Held back: a pending span with no firing span starting where it ends (series h01 and h02 have one each at minute 360).
  const t360 = (Date.UTC(2026, 0, 5) + 360 * 60_000) / 1000;
  for (const c of data.charts.slice(1))
    assert.ok(
      c.spans.some(([kind, from]) => kind === 0 && from === t360),
      `${c.id}: a held-back pending span at minute 360`,
    );
  // Pending before firing: each fired episode's pending span starts one sample before it fires.
  const first = data.charts[0]!;
  const pendingStarts = first.spans.filter(([kind]) => kind === 0).map(([, from]) => from);
  for (const e of bySeries.get('checkout_latency{host="h00"}')!.filter((x) => x.reason === 'fired'))
    assert.ok(pendingStarts.includes(e.startsAt / 1000), `pending from the episode's first breach ${e.startsAt}`);

  const loaded = await openReport(html);
  t.after(() => loaded.close());
  const charts = await drawnCharts(loaded.page);
  await screenshot(t, loaded.page, 'replay-report-fleet.png');
  assert.deepEqual(loaded.errors, []);
  assert.deepEqual(loaded.network, []);
  assert.deepEqual(
    charts.map((c) => c.title),
    ['checkout_latency{host="h00"}', 'checkout_latency{host="h01"}', 'checkout_latency{host="h02"}'],
    'the series with most alerts first',
  );
  for (const c of charts) {
    assert.ok(c.drawn, c.id);
    assert.equal(c.markers, bySeries.get(c.title)!.length, `${c.title}: one marker per alert event`);
    assert.ok(c.linePixels > 500, `${c.title}: value line pixels ${c.linePixels}`);
    assert.ok(c.bandPixels > 2000, `${c.title}: band pixels ${c.bandPixels}`);
  }
  assert.equal(bandAtFired(data.charts[0]!, bySeries.get('checkout_latency{host="h00"}')!), 4, 'the window baseline at each firing');
  // Learning (min_samples 30) is the only stretch without a band: no series was evicted and learnt again.
  for (const c of data.charts) assert.equal(c.lo.filter((x) => x === null).length, 30, c.id);
});

test('--report-series without --report, or not a count, is a usage error (exit 2)', async () => {
  const a = await runCli(['replay', '--report-series', '3', BUNDLED]);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /--report-series needs --report FILE.html/);
  const b = await runCli(['replay', '--report', '/tmp/x.html', '--report-series', 'many', BUNDLED]);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /--report-series must be an integer from 0 up, got "many"/);
});
