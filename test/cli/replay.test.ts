import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { INJECTED, SAMPLE_START_MS, JITTER_FROM, JITTER_TO } from '../support/sample-data.js';
import { decodeAlert, type AlertEvent } from '../../src/codec/alerts.js';
import { mulberry32, gaussian } from '../support/random.js';

const BUNDLED = new URL('../../../config/examples/data/checkout_latency_ms.csv', import.meta.url).pathname;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-replay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A rule that scores against a 120-sample rolling window at z 3.5, without hysteresis, likelihood or
 * seasonality (the 0.1 defaults): what the tests of replay's mechanics below run, so that what they
 * check (every spike reported, its sign, the effect of for/keep_firing_for) does not depend on the
 * detection defaults, which the quality benchmark measures.
 */
function windowRules(dir: string): string {
  const file = join(dir, 'window.yaml');
  writeFileSync(
    file,
    'rules:\n  - {name: default, memory: 0, window: 120, z: 3.5, keep_firing_for: 0, likelihood: false, seasonality: false}\n',
  );
  return file;
}

const alertsOf = (stdout: string): AlertEvent[] =>
  stdout.trim() === ''
    ? []
    : stdout
        .trim()
        .split('\n')
        .map((l) => decodeAlert(Buffer.from(l)));

test('replay reports every injected spike and dip of the bundled sample with the right sign of z', async (t) => {
  const r = await runCli(['replay', '--config', windowRules(tempDir(t)), BUNDLED]);
  assert.equal(r.code, 0, r.stderr);
  const fired = alertsOf(r.stdout).filter((a) => a.status === 'firing');
  for (const [minute, sigma] of INJECTED) {
    const a = fired.find((x) => x.ts === SAMPLE_START_MS + minute * 60_000);
    assert.ok(a, `injected ${sigma}σ at minute ${minute} is reported`);
    assert.equal(Math.sign(a.z), Math.sign(sigma), `sign of z at minute ${minute}`);
    assert.equal(a.series, 'checkout_latency_ms', 'a timestamp,value file names its series after the file');
    assert.equal(a.rule, 'default');
  }
  assert.match(r.stderr, /replay: 1 file, 4,320 rows/);
  assert.match(r.stderr, /rows rejected: 0/);
  assert.match(r.stderr, /default\s+warning\s+\d+/);
});

test('series,timestamp,value CSV with quoted ids, mixed timestamp forms, and malformed rows skipped with file:line', async (t) => {
  const dir = tempDir(t);
  const g = gaussian(mulberry32(5));
  const lines = ['series,timestamp,value'];
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < 200; i++) {
    const spike = i === 150 ? 60 : i === 170 ? -60 : 0;
    // Unix ms, Unix seconds and ISO forms interleaved: all the same clock.
    const ts =
      i % 3 === 0 ? String(t0 + i * 60_000) : i % 3 === 1 ? String((t0 + i * 60_000) / 1000) : new Date(t0 + i * 60_000).toISOString();
    lines.push(`"http_latency{route=""/cart"",method=""GET""}",${ts},${(100 + 2 * g() + spike).toFixed(3)}`);
    lines.push(`"http_latency{method=""POST"",route=""/pay""}",${ts},${(50 + g()).toFixed(3)}`);
  }
  lines.splice(10, 0, 'http_latency,not-a-time,1');
  lines.splice(20, 0, 'http_latency,1700000000000,NaN');
  lines.splice(30, 0, 'http_latency,1700000000000');
  lines.splice(40, 0, '"bad{series,1700000000000,1');
  const file = join(dir, 'fleet.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = await runCli(['replay', '--config', windowRules(dir), file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`${file}:11: skipped \\(bad_timestamp\\)`));
  assert.match(r.stderr, new RegExp(`${file}:21: skipped \\(non_finite_value\\)`));
  assert.match(r.stderr, new RegExp(`${file}:31: skipped \\(wrong_field_count\\)`));
  assert.match(r.stderr, new RegExp(`${file}:41: skipped \\(bad_csv\\)`));
  assert.match(r.stderr, /rows rejected: 4/);
  assert.match(r.stderr, /series: 2\b/);
  const fired = alertsOf(r.stdout).filter((a) => a.status === 'firing');
  const cart = fired.filter((a) => a.series === 'http_latency{method="GET",route="/cart"}');
  assert.ok(
    cart.some((a) => a.ts === t0 + 150 * 60_000 && a.z > 0),
    'spike, canonical (sorted) series id',
  );
  assert.ok(
    cart.some((a) => a.ts === t0 + 170 * 60_000 && a.z < 0),
    'dip',
  );
  assert.deepEqual(cart[0]!.labels, { method: 'GET', route: '/cart' });
});

test('NDJSON verbose samples; a missing file is reported and the rest still runs (exit 1)', async (t) => {
  const dir = tempDir(t);
  const rows: string[] = [];
  for (let i = 0; i < 100; i++)
    rows.push(
      JSON.stringify({
        name: 'queue_depth',
        labels: { q: 'jobs' },
        ts: 1_700_000_000_000 + i * 1000,
        value: i === 80 ? 1e6 : 10 + (i % 3),
      }),
    );
  rows.push('{"name": "queue_depth", "ts": 1}');
  rows.push('not json');
  const file = join(dir, 'q.ndjson');
  writeFileSync(file, rows.join('\n'));
  const r = await runCli(['replay', join(dir, 'missing.csv'), file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /missing\.csv: cannot read/);
  assert.match(r.stderr, /q\.ndjson:101: skipped \(missing_field\)/);
  assert.match(r.stderr, /q\.ndjson:102: skipped \(bad_json\)/);
  const [a] = alertsOf(r.stdout);
  assert.equal(a!.series, 'queue_depth{q="jobs"}');
  assert.equal(a!.value, 1e6);
});

test('rules come from --config; a bad config exits 2 naming the key', async (t) => {
  const dir = tempDir(t);
  const cfg = join(dir, 'rules.yaml');
  writeFileSync(cfg, 'rules:\n  - name: strict\n    z: 20\n');
  const quiet = await runCli(['replay', '--config', cfg, BUNDLED]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(alertsOf(quiet.stdout).length, 0, 'nothing reaches z = 20');
  writeFileSync(cfg, 'rules:\n  - name: broken\n    window: 1.5\n');
  const bad = await runCli(['replay', '--config', cfg, BUNDLED]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /rules\[0\]\.window/);
  const usage = await runCli(['replay']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /no DATA files given/);
});

test('the jittery stretch of the sample flaps without for/keep_firing_for and is calmer with them', async (t) => {
  const dir = tempDir(t);
  const cfg = join(dir, 'hold.yaml');
  writeFileSync(
    cfg,
    'rules:\n  - {name: held, memory: 0, window: 120, z: 3.5, for: 2, keep_firing_for: 10, likelihood: false, seasonality: false}\n',
  );
  const plain = alertsOf((await runCli(['replay', '--config', windowRules(dir), BUNDLED])).stdout);
  const heldRun = await runCli(['replay', '--config', cfg, BUNDLED]);
  const held = alertsOf(heldRun.stdout);
  const heldBack = Number(/breaches held back by `for`: (\d+)/.exec(heldRun.stderr)?.[1]);
  assert.ok(heldBack > 0, `the summary counts breaches held back by for (${heldBack})`);
  const inJitter = (a: AlertEvent) => a.ts >= SAMPLE_START_MS + JITTER_FROM * 60_000 && a.ts < SAMPLE_START_MS + (JITTER_TO + 20) * 60_000;
  const plainFired = plain.filter((a) => a.reason === 'fired' && inJitter(a)).length;
  const heldFired = held.filter((a) => a.reason === 'fired' && inJitter(a)).length;
  assert.ok(plainFired >= 3, `plain rule fires repeatedly in the jitter (${plainFired})`);
  assert.ok(heldFired < plainFired, `for/keep_firing_for fire less (${heldFired} < ${plainFired})`);
  void readFileSync;
});

test('the default rules on the bundled sample: every anomaly after the first day (once the daily profile has learnt) and nothing else; pages per series-day', async () => {
  const r = await runCli(['replay', BUNDLED]);
  assert.equal(r.code, 0, r.stderr);
  const fired = alertsOf(r.stdout).filter((a) => a.reason === 'fired');
  const afterDayOne = [...INJECTED].filter(([minute]) => minute >= 24 * 60);
  for (const [minute, sigma] of afterDayOne) {
    const a = fired.find((x) => x.ts === SAMPLE_START_MS + minute * 60_000);
    assert.ok(a, `injected ${sigma}σ at minute ${minute} is reported`);
    assert.equal(Math.sign(a.z), Math.sign(sigma));
    assert.equal(a.baseline, 'daily', 'scored against its time of day');
  }
  assert.ok(fired.length <= afterDayOne.length + 1, `at most one page besides them (the jittery stretch): ${fired.length}`);
  assert.match(r.stderr, /pages per series-day: \d+\.\d{3} \(\d+ fired over 1 series × 3\.0 days\)/);
});
