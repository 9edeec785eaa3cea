/**
 * Each detection feature of the default rule, switched off on its own, on the synthetic corpus
 * (bench/data/synthetic: one behaviour per series): every test fails without the feature it is
 * about. The numbers the closing figures rest on come from the NAB development set
 * (`npm run bench -- quality`); these pin the behaviour each feature exists for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/index.js';
import { runQuality, type QualityReport } from '../../../bench/quality/run-detector.js';

const SYNTHETIC = fileURLToPath(new URL('../../../../bench/data/synthetic/', import.meta.url)); // from dist/test/bench/quality

/** The default rule with `override` ({key: value} in YAML flow form) on top. */
async function run(override: string): Promise<QualityReport> {
  const set =
    override === ''
      ? {}
      : Object.fromEntries(
          override
            .split(',')
            .map((kv) => kv.split(':').map((s) => s.trim()))
            .map(([k, v]) => [`rules[0].${k}`, v === 'false' ? false : Number(v)]),
        );
  const config = loadConfig({ env: {}, overrides: set });
  return runQuality({ dataDir: SYNTHETIC, config, configLabel: override || 'defaults' });
}

const file = (r: QualityReport, name: string) => r.files.find((f) => f.file.endsWith(`/${name}.csv`))!;

const defaults = await run('');

test('defaults: every synthetic anomaly is caught; the series without anomalies stay quiet', () => {
  assert.equal(defaults.total.windowsCaught, defaults.total.windows);
  assert.equal(file(defaults, 'daily_seasonal').alertsOutside, 0);
  assert.equal(file(defaults, 'slow_drift').alertsOutside, 0);
  for (const f of defaults.files) assert.equal(f.rejectedRows, 0, f.file);
});

test('seasonality: a day that runs six hours late is seen only against the time of day', async () => {
  assert.equal(file(defaults, 'broken_daily_seasonality').windowsCaught, 1);
  const off = await run('seasonality: false');
  assert.equal(file(off, 'broken_daily_seasonality').windowsCaught, 0, 'every value is in the usual range: no plain baseline sees it');
});

test('likelihood: a level shift of 6σ and a change of slope are caught by the run of moderate |z|, not by one sample', async () => {
  assert.equal(file(defaults, 'level_shift').windowsCaught, 1);
  assert.equal(file(defaults, 'trend_change').windowsCaught, 1);
  const off = await run('likelihood: false');
  assert.equal(file(off, 'level_shift').windowsCaught, 0);
  assert.equal(file(off, 'trend_change').windowsCaught, 0);
});

test('hysteresis: keep_firing_for 100 samples turns a flapping episode into one page', async () => {
  const off = await run('keep_firing_for: 0');
  const flapping = ['bursty_counts', 'trend_change', 'broken_daily_seasonality'];
  const outside = (r: QualityReport) => flapping.reduce((n, name) => n + file(r, name).alertsOutside, 0);
  assert.ok(outside(off) >= 2 * outside(defaults) + 10, `alerts outside windows: ${outside(off)} without, ${outside(defaults)} with`);
});

test('long memory: mostly-zero counts alert less against thousands of samples than against a 120-sample window', async () => {
  const off = await run('memory: 0');
  const bursty = (r: QualityReport) => file(r, 'bursty_counts').alertsOutside;
  assert.ok(
    bursty(off) > bursty(defaults),
    `bursty counts: ${bursty(off)} false alarms with the window, ${bursty(defaults)} with long memory`,
  );
});
