import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import type { ReviewDocument } from '../../src/review/review.js';
import { fmtDuration } from '../../src/replay/summary.js';
import { drawnCharts, openReport } from '../report/browser.js';

const BUNDLED = new URL('../../../config/examples/data/checkout_latency_ms.csv', import.meta.url).pathname;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-review-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The rule of replay's tests (a 120-sample window at z 3.5, nothing else, keep_firing_for 0 unless
 * given): on the bundled recording it fires on every injected spike and resolves on the next
 * sample, so there are pages and flaps to count.
 */
function rules(dir: string, o: { for?: string; keepFiringFor?: string } = {}, name = 'rules.yaml'): string {
  const file = join(dir, name);
  const hold = `keep_firing_for: ${o.keepFiringFor ?? '0'}${o.for === undefined ? '' : `, for: ${o.for}`}`;
  writeFileSync(file, `rules:\n  - {name: default, memory: 0, window: 120, z: 3.5, ${hold}, likelihood: false, seasonality: false}\n`);
  return file;
}

/** `replay` of the bundled recording: the NDJSON file it wrote and its summary's alert counts. */
async function replay(dir: string, config: string, name = 'alerts.ndjson') {
  const r = await runCli(['replay', '--config', config, BUNDLED]);
  assert.equal(r.code, 0, r.stderr);
  const m = /alerts: (\d+) fired, (\d+) resolved, (\d+) flaps/.exec(r.stderr);
  assert.ok(m, `replay's summary has an alerts line:\n${r.stderr}`);
  const mean = /default\s+warning(?:\s+\d+){5}\s+(\S+)/.exec(r.stderr);
  const file = join(dir, name);
  writeFileSync(file, r.stdout);
  return { file, fired: Number(m[1]), resolved: Number(m[2]), flaps: Number(m[3]), meanDuration: mean?.[1] };
}

async function reviewJson(args: string[]): Promise<ReviewDocument> {
  const r = await runCli(['review', '--json', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ReviewDocument;
}

test('review of a real replay agrees with replay: pages = fired, flaps and mean time firing as its summary counts them', async (t) => {
  const dir = tempDir(t);
  const config = rules(dir);
  const run = await replay(dir, config);
  assert.ok(run.fired > 0 && run.flaps > 0, 'the recording gives pages and flaps to count');
  const doc = await reviewJson(['--config', config, '-f', run.file]);
  assert.equal(doc.input.events, run.fired + run.resolved);
  assert.equal(doc.input.malformed.total, 0);
  assert.equal(doc.rules.length, 1);
  const r = doc.rules[0]!;
  assert.equal(r.rule, 'default');
  assert.equal(r.pages, run.fired);
  assert.equal(r.ended, run.resolved);
  assert.equal(r.flaps, run.flaps, 'the same flap window (alerts.flap_window 5m) and the same test as the engine');
  assert.equal(fmtDuration(r.meanFiringMs!), run.meanDuration);
  assert.deepEqual(doc.totals, { pages: run.fired, flaps: run.flaps, stillFiring: run.fired - run.resolved });
  assert.deepEqual(
    r.noisiest.map((s) => [s.series, s.pages]),
    [['checkout_latency_ms', run.fired]],
  );
  // A shorter flap window makes fewer flaps (the recording's episodes last one sample, a minute).
  const narrow = await reviewJson(['--config', config, '--set', 'alerts.flap_window=1m', '-f', run.file]);
  assert.equal(narrow.rules[0]!.flaps, 0);
  assert.equal(narrow.flapWindowMs, 60_000);
});

test('what-if: estimates against replays of the modified rule, and --samples replaying them the same way', async (t) => {
  const dir = tempDir(t);
  const base = await replay(dir, rules(dir));
  const doc = await reviewJson([
    '--config',
    rules(dir),
    '-f',
    base.file,
    '--what-if-for',
    '2m',
    '--what-if-keep-firing-for',
    '5m,15m',
    '--samples',
    BUNDLED,
  ]);
  const key = (w: { kind: string; ms: number }) => `${w.kind} ${w.ms / 60_000}m`;
  const est = new Map(doc.rules[0]!.whatIf.map((w) => [key(w), w.pages]));
  assert.ok(doc.replayed !== null, '--samples gives the replayed what-if');
  assert.equal(doc.replayed.rules[0]!.pages, base.fired, 'the rules as configured page as replay did');
  const replayed = new Map(doc.replayed.rules[0]!.whatIf.map((w) => [key(w), w.pages]));
  for (const [name, change] of [
    ['keep_firing_for 5m', { keepFiringFor: '5m' }],
    ['keep_firing_for 15m', { keepFiringFor: '15m' }],
    ['for 2m', { for: '2m' }],
  ] as const) {
    const exact = await replay(dir, rules(dir, change, `${name}.yaml`), `${name}.ndjson`);
    const estimate = est.get(name);
    assert.ok(estimate !== undefined, `an estimate for ${name}`);
    assert.equal(replayed.get(name), exact.fired, `${name}: --samples replays as replay does`);
    if (name.startsWith('keep_firing_for')) assert.equal(estimate, exact.fired, `${name}: estimate ${estimate}, replay ${exact.fired}`);
    else assert.ok(estimate >= exact.fired, `${name}: estimate ${estimate} pages ≥ replay's ${exact.fired}`);
  }
  assert.ok(est.get('keep_firing_for 15m')! < base.fired, 'a longer hold is quieter on this recording');
});

test('--samples with the default rule (keep_firing_for in samples): the for estimate says so, the replay answers', async (t) => {
  const dir = tempDir(t);
  const r = await runCli(['replay', BUNDLED]);
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, 'default.ndjson');
  writeFileSync(file, r.stdout);
  const text = await runCli(['review', '-f', file, '--samples', BUNDLED, '--what-if-for', '2m', '--what-if-keep-firing-for', '5m']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /default: keep_firing_for not known as a duration, so the for estimates count the hold as breach/);
  assert.match(text.stdout, /^ {2}default +keep_firing_for: \+5m +\d+ +n\/a \(hold in samples\) +\d+$/m);
  // The bundled spikes last one sample: a 2-minute for stops every one of them.
  assert.match(text.stdout, /^ {2}default +for: 2m +[1-9]\d* +0 +\d+$/m);
});

test('text tables by default, and stdin with -f -', async (t) => {
  const dir = tempDir(t);
  const config = rules(dir);
  const run = await replay(dir, config);
  const r = await runCli(['review', '--config', config, '-f', '-'], { input: readFileSync(run.file, 'utf8') });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`review: ${run.fired + run.resolved} events from 1 file`));
  assert.match(r.stdout, /^ {2}rule +pages +flaps +flap share +pages\/series-day +mean firing +p90 firing/m);
  assert.match(r.stdout, new RegExp(`^ {2}default +${run.fired} +${run.flaps} +100\\.0%`, 'm'));
  assert.match(r.stdout, /^ {2}default +keep_firing_for: \+15m +\d+ +\d+ +\d+ \(\d+\.\d%\)$/m);
});

test('--report: a page chromium draws offline, with the tables and a marker per alert event of each charted series', async (t) => {
  const dir = tempDir(t);
  const config = rules(dir);
  const run = await replay(dir, config);
  // A second series and rule: two charts, picked from each rule's noisiest.
  const other = readFileSync(run.file, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(0, 6)
    .map((l) => {
      const e = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify({ ...e, rule: 'second', series: 'other_series', id: `x${String(e.id)}` });
    });
  const file = join(dir, 'two.ndjson');
  writeFileSync(file, readFileSync(run.file, 'utf8') + other.join('\n') + '\n');
  const html = join(dir, 'review.html');
  const r = await runCli(['review', '--config', config, '-f', file, '--report', html]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /report written to /);
  const text = readFileSync(html, 'utf8');
  assert.doesNotMatch(text, /<script[^>]+src=|<link[^>]+href="(?!data:)/, 'nothing is loaded from elsewhere');
  assert.match(text, new RegExp(`<td>default</td><td class="num">${run.fired}</td><td class="num">${run.flaps}</td>`));
  assert.match(text, /<td>default<\/td><td>keep_firing_for: \+15m<\/td>/);

  const loaded = await openReport(html);
  t.after(() => loaded.close());
  const charts = await drawnCharts(loaded.page);
  assert.deepEqual(loaded.errors, []);
  assert.deepEqual(loaded.network, []);
  assert.deepEqual(
    charts.map((c) => [c.title, c.drawn, c.markers]),
    [
      ['checkout_latency_ms', true, run.fired + run.resolved],
      ['other_series', true, 6],
    ],
  );
  assert.ok(
    charts.every((c) => c.redPixels > 0),
    'fired markers drawn',
  );
});

test('malformed lines are reported with file:line and counted by reason; exit 0 with the rest reviewed', async (t) => {
  const dir = tempDir(t);
  const config = rules(dir);
  const run = await replay(dir, config);
  const lines = readFileSync(run.file, 'utf8').trimEnd().split('\n');
  const file = join(dir, 'mixed.ndjson');
  writeFileSync(file, ['garbage', ...lines.slice(0, 2), '{"id":', '{"id":"x"}', ...lines.slice(2)].join('\n') + '\n');
  const r = await runCli(['review', '--json', '--config', config, '-f', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`${file}:1: skipped \\(not_json\\)`));
  assert.match(r.stderr, new RegExp(`${file}:4: skipped \\(not_json\\)`));
  assert.match(r.stderr, new RegExp(`${file}:5: skipped \\(missing_field\\): alert event has no "status" field`));
  const doc = JSON.parse(r.stdout) as ReviewDocument;
  assert.deepEqual(doc.input.malformed, {
    total: 3,
    byReason: { not_json: { count: 2, first: `${file}:1` }, missing_field: { count: 1, first: `${file}:5` } },
  });
  assert.equal(doc.totals.pages, run.fired);
});

test('--since / --until select by event time (RFC 3339 or a duration before now)', async (t) => {
  const dir = tempDir(t);
  const config = rules(dir);
  const run = await replay(dir, config);
  const all = await reviewJson(['--config', config, '-f', run.file]);
  const mid = Math.round((all.range.from! + all.range.to!) / 2);
  const since = new Date(mid).toISOString();
  const [a, b] = await Promise.all([
    reviewJson(['--config', config, '-f', run.file, '--until', since]),
    reviewJson(['--config', config, '-f', run.file, '--since', since]),
  ]);
  assert.equal(a.range.until, mid);
  assert.equal(b.range.since, mid);
  assert.ok(a.totals.pages > 0 && b.totals.pages > 0, 'spikes on both sides of the middle');
  // An episode split by the boundary is a page of the first half and carried into the second.
  assert.ok(a.totals.pages + b.totals.pages === all.totals.pages);
  // The recording is from 2026-11; 1h before now selects none of it, and still reports.
  const recent = await reviewJson(['--config', config, '-f', run.file, '--since', '1h']);
  assert.equal(recent.totals.pages, 0);
  assert.equal(recent.input.outOfRange, all.input.events);
});

test('usage errors exit 2 with a clear message', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'empty.ndjson');
  writeFileSync(file, '');
  const cases: [string[], RegExp][] = [
    [['--bogus'], /Unknown option '--bogus'/],
    [['-f', file, '--what-if-for', '5x'], /--what-if-for takes a duration like 250ms, 30s, 5m.*got "5x"/],
    [['-f', file, '--what-if-keep-firing-for', '5m,0'], /--what-if-keep-firing-for takes .* greater than 0; got "0"/],
    [['-f', file, '--since', 'yesterday'], /--since must be an RFC 3339 time .* got "yesterday"/],
    [['-f', file, '--since', '2026-11-02', '--until', '2026-11-01'], /--since \(2026-11-02T00:00:00.000Z\) must be before --until/],
    [['-f', file, '--top', 'many'], /--top must be an integer from 0 to 10000, got "many"/],
    [['-f', join(dir, 'missing.ndjson')], /--file .*missing\.ndjson: cannot read \(ENOENT\)/],
    [['-f', dir], /--file .*: is a directory, not a file/],
    [['-f', file, '--samples', '-'], /--samples cannot read stdin/],
    [['-f', file, '--report', join(dir, 'no', 'r.html')], /--report .*r\.html: no such directory .*\/no$/m],
    [['-f', file, '--samples', join(dir, 'nope.csv')], /--samples .*nope\.csv: cannot read \(ENOENT\)/],
    [[file], /unexpected argument .* \(files are given with --file\)/],
    [[], /no --file given and no Kafka brokers configured/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['review', ...args], { env: { KAFKA_BROKERS: '' } });
    assert.equal(r.code, 2, `${args.join(' ')}: exit 2\n${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  const help = await runCli(['review', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--what-if-keep-firing-for LIST/);
});
