import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliResult } from '../support/cli.js';
import { writeFile, zigzag } from './helpers.js';

const EXAMPLES = fileURLToPath(new URL('../../../config/examples/', import.meta.url));
const COMMAND = fileURLToPath(new URL('../../src/cli/test-rules.js', import.meta.url));

/**
 * `sigmawatch test-rules ARGS`. Until src/cli/main.ts dispatches test-rules, the command module is
 * run on its own, in a child process all the same (real stdout, stderr and exit code).
 */
let registered: boolean | undefined;
async function testRules(args: string[]): Promise<CliResult> {
  registered ??= !/unknown command/.test((await runCli(['test-rules', '--help'])).stderr);
  if (registered) return runCli(['test-rules', ...args]);
  const script = `const { testRulesCommand } = await import(${JSON.stringify(COMMAND)}); process.exitCode = await testRulesCommand(process.argv.slice(1));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script, '--', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const examples = readdirSync(EXAMPLES)
  .filter((n) => n.endsWith('.test.yaml'))
  .sort()
  .map((n) => join(EXAMPLES, n));

test('every shipped example passes: sigmawatch test-rules config/examples/*.test.yaml', async () => {
  assert.ok(examples.length >= 5, `examples: ${examples.join(', ')}`);
  const r = await testRules(examples);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /FAILED/);
  const tests = (r.stdout.match(/^ {2}ok {6}/gm) ?? []).length;
  assert.ok(tests >= 15, r.stdout);
  assert.match(r.stdout, new RegExp(`^${tests} passed, 0 failed\\n$`, 'm'));
  for (const f of examples) assert.ok(r.stdout.includes(`${f}\n`), `names ${f}`);
});

test('a directory stands for its test files', async () => {
  const r = await testRules([EXAMPLES]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, (await testRules(examples)).stdout);
});

test('a failing test: FAILED with the diff, the count, exit 1; other tests still run', async () => {
  const file = writeFile(`
rules: [{name: latency, window: 10, memory: 0, keep_firing_for: 0, likelihood: false, seasonality: false, min_samples: 6, z: 4}]
tests:
  - name: right
    input_series: [{series: m, values: '${zigzag(10, '110 100')}'}]
    alert_rule_test:
      - {eval_step: 10, alerts: [{status: firing}]}
      - {eval_step: 11, alerts: [{status: resolved}]}
  - name: wrong
    input_series: [{series: m, values: '${zigzag(10, '110 100')}'}]
    alert_rule_test:
      - {eval_step: 10, alerts: [{status: firing, severity: page}]}
`);
  const r = await testRules([file]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stdout,
    [
      file,
      '  ok      right',
      '  FAILED  wrong',
      '    step 10 (10m): expected 1 alert, got 1 alert',
      '      - expected   {status: firing, severity: page}',
      '        got        {status: firing, reason: fired, severity: warning, rule: latency, series: m, labels: {}, value: 110, starts_at_step: 10}  # z 10',
      '                   severity: expected page, got warning',
      '    step 11 (11m, not listed in alert_rule_test): expected no alerts, got 1 alert',
      '      + unexpected {status: resolved, reason: resolved, severity: warning, rule: latency, series: m, labels: {}, value: 100, starts_at_step: 10}  # z -0.3534',
      '1 passed, 1 failed',
      '',
    ].join('\n'),
  );
});

test('-v prints every event, pasteable as expectations', async () => {
  const file = writeFile(`
rules: [{name: latency, window: 10, memory: 0, keep_firing_for: 0, likelihood: false, seasonality: false, min_samples: 6, z: 4, annotations: {summary: '{{ value }}'}}]
tests:
  - input_series: [{series: 'm{a="1"}', values: '${zigzag(10, '110')}'}]
    strict: false
`);
  const r = await testRules(['-v', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^ {4}step 10 \(10m\):\n {6}\{status: firing, reason: fired, severity: warning, rule: latency, series: 'm\{a="1"\}', labels: \{a: '1'\}, annotations: \{summary: '110'\}, value: 110, starts_at_step: 10\} {2}# z 10$/m,
  );
});

test('an invalid test file: its problems on stderr, exit 2, and the other files still run', async () => {
  const bad = writeFile('rules: [{name: a, window: 1}]\ntests: [{input_series: [{series: m, values: "1+2"}]}]\n');
  const r = await testRules([bad, examples[0]!]);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    [
      `sigmawatch test-rules: invalid test file ${bad}:`,
      `${bad}:1:27: rules[0].window must be an integer from 2 to 65535, got 1 (number)`,
      `${bad}:2:45: tests[0].input_series[0].values: "1+2" at position 0: an increment needs a count: write 1+2xN for N more samples`,
      '',
    ].join('\n'),
  );
  assert.match(r.stdout, / passed, 0 failed, 1 invalid file\n$/);
  assert.match(r.stdout, /^ {2}ok /m, 'the valid file ran');
});

test('usage: --help, no files, unknown options, a missing file, an empty directory', async () => {
  const help = await testRules(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: sigmawatch test-rules \[-v\] FILE\|DIR\.\.\./);
  assert.match(help.stdout, /strict: false/);
  const none = await testRules([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /sigmawatch test-rules: no test FILEs given\nRun 'sigmawatch test-rules --help' for usage\./);
  assert.equal((await testRules(['--nope', examples[0]!])).code, 2);
  const missing = await testRules(['no/such.test.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no\/such\.test\.yaml: cannot read the test file: no such file/);
  const empty = await testRules([join(EXAMPLES, 'data')]);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /no \*\.test\.yaml files in the directory /);
});
