/**
 * The quality benchmark's runner on a small part of bench/data/synthetic: it runs the same
 * detection path as `sigmawatch replay`, reacts to the configuration, and its SRE numbers (windows
 * caught, delays, alerts outside windows, flaps) and NAB scores follow from what the engine emits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadConfig } from '../../../src/config/index.js';
import { feedFile, runQuality } from '../../../bench/quality/run-detector.js';
import { runQualityBench } from '../../../bench/quality/quality.bench.js';
import { runCli } from '../../support/cli.js';

const SYNTHETIC = fileURLToPath(new URL('../../../../bench/data/synthetic/', import.meta.url)); // from dist/test/bench/quality
const PICK = ['withAnomaly/isolated_spikes.csv', 'withAnomaly/level_shift.csv', 'noAnomaly/daily_seasonal.csv'];

const tmp = mkdtempSync(join(tmpdir(), 'sigmawatch-quality-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** A corpus of three synthetic files (NAB layout), so each run takes a fraction of a second. */
const CORPUS = (() => {
  const dir = join(tmp, 'corpus');
  const labels = JSON.parse(readFileSync(join(SYNTHETIC, 'labels', 'combined_windows.json'), 'utf8')) as Record<string, unknown>;
  for (const rel of PICK) {
    mkdirSync(dirname(join(dir, 'data', rel)), { recursive: true });
    copyFileSync(join(SYNTHETIC, 'data', rel), join(dir, 'data', rel));
  }
  mkdirSync(join(dir, 'labels'), { recursive: true });
  writeFileSync(join(dir, 'labels', 'combined_windows.json'), JSON.stringify(Object.fromEntries(PICK.map((rel) => [rel, labels[rel]]))));
  mkdirSync(join(dir, 'config'), { recursive: true });
  copyFileSync(join(SYNTHETIC, 'config', 'profiles.json'), join(dir, 'config', 'profiles.json'));
  return dir;
})();

function configFile(name: string, yaml: string): string {
  const path = join(tmp, name);
  writeFileSync(path, yaml);
  return path;
}

const DEFAULTS = loadConfig({ env: {} });

test('defaults: each spike is caught at its row (the centre of its window), the level shift too; no flaps on 5-minute data', async () => {
  const r = await runQuality({ dataDir: CORPUS, config: DEFAULTS, configLabel: 'defaults' });
  const spikes = r.files.find((f) => f.file === 'withAnomaly/isolated_spikes.csv')!;
  assert.equal(spikes.windows, 3);
  assert.equal(spikes.windowsCaught, 3);
  // Windows are ±67 rows around each spike: the alert comes 67 rows (335 minutes) after the window opens.
  assert.deepEqual(
    spikes.delays.map((d) => [d.rows, d.minutes]),
    [
      [67, 335],
      [67, 335],
      [67, 335],
    ],
  );
  assert.equal(spikes.alertsOutside, 0);
  assert.equal(r.files.find((f) => f.file === 'withAnomaly/level_shift.csv')!.windowsCaught, 1);
  assert.equal(r.total.windows, 4);
  assert.equal(r.total.windowsCaught, 4);
  assert.ok(r.total.nab.standard! > 50, `standard ${r.total.nab.standard}`);
  // A resolution comes one 5-minute row after firing at the earliest: never within a 5-minute flap window.
  assert.equal(r.total.flaps, 0);
  // Series-days after probation: (4032 − 604 − 1) rows of 5 minutes, per file.
  assert.ok(Math.abs(r.total.seriesDays - (3 * (4032 - 604 - 1) * 5) / 1440) < 1e-9);
  assert.ok(r.files.every((f) => f.rejectedRows === 0 && f.unmatchedAlerts === 0));
});

test('z: 1000 without the likelihood catches nothing: NAB 0 in every profile (= never alerting), no alert outside windows', async () => {
  const config = loadConfig({ file: configFile('z1000.yaml', 'rules:\n  - name: default\n    z: 1000\n    likelihood: false\n'), env: {} });
  const r = await runQuality({ dataDir: CORPUS, config, configLabel: 'z1000' });
  assert.equal(r.total.alerts, 0);
  assert.equal(r.total.windowsCaught, 0);
  assert.equal(r.total.alertsOutside, 0);
  assert.equal(r.total.outsidePerSeriesDay, 0);
  assert.equal(r.total.medianDelayRows, null);
  for (const p of ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const)
    assert.ok(Math.abs(r.total.nab[p]!) < 1e-9, `${p}: ${r.total.nab[p]}`);
});

test("flaps are the engine's: with alerts.flap_window 1h and no hysteresis each spike alert (resolved one row later) is a flap", async () => {
  const config = loadConfig({
    file: configFile('flap1h.yaml', 'alerts:\n  flap_window: 1h\nrules:\n  - name: default\n    keep_firing_for: 0\n'),
    env: {},
  });
  const r = await runQuality({ dataDir: CORPUS, config, configLabel: 'flap1h' });
  assert.equal(r.files.find((f) => f.file === 'withAnomaly/isolated_spikes.csv')!.flaps, 3);
});

test('the same detection path as `sigmawatch replay FILE`: the same firing events', async () => {
  for (const rel of PICK) {
    const path = join(CORPUS, 'data', rel);
    const ours = await feedFile(path, DEFAULTS);
    const cli = await runCli(['replay', path], { env: { SIGMAWATCH_CONFIG: '' } });
    assert.equal(cli.code, 0, cli.stderr);
    const events = cli.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { status: string; ts: number });
    assert.deepEqual(
      ours.firingMs,
      events.filter((e) => e.status === 'firing').map((e) => e.ts),
      rel,
    );
    assert.equal(ours.resolved, events.filter((e) => e.status === 'resolved').length, rel);
  }
});

test('the bench: --config and --data are read, quality.json and the table name the config', async () => {
  const root = join(tmp, 'root');
  const cfg = configFile('z5.yaml', 'rules:\n  - name: default\n    z: 5\n    window: 1000\n    keep_firing_for: 100\n');
  const args = new Map([
    ['config', cfg],
    ['data', CORPUS],
  ]);
  const { markdown, report } = await runQualityBench({ root, args });
  const json = JSON.parse(readFileSync(join(root, 'bench', 'results', 'quality.json'), 'utf8')) as {
    config: string;
    rules: { window: number }[];
    total: { windows: number };
  };
  assert.equal(json.config, cfg);
  assert.equal(json.rules[0]!.window, 1000);
  assert.equal(json.total.windows, 4);
  assert.match(markdown, /\| \*\*total\*\* \| 3 \|/);
  assert.ok(markdown.includes(`--config=${cfg}`));
  assert.equal(report.groups.length, 2);
  await assert.rejects(runQualityBench({ root, args: new Map([['config', 'true']]) }), /--config=PATH/);
});
