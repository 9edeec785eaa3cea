/**
 * `sigmawatch test-rules [-v] FILE|DIR...`
 *
 * Rule unit tests in the spirit of `promtool test rules`: input series in expanding notation, the
 * rules under test, the alert events expected at given steps. Runs every test of every file
 * through the detection core and prints `ok` / `FAILED` per test with a diff of each failing step.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { loadRuleTestFile, type RuleTestFile } from '../rule-tests/test-file.js';
import { runRuleTest } from '../rule-tests/run.js';
import { formatEvents, formatFailures } from '../rule-tests/report.js';
import { UsageError, parse, reportError } from './args.js';
import { LineWriter } from './output.js';

const USAGE = `Usage: sigmawatch test-rules [-v] FILE|DIR...

Runs rule unit tests: each FILE (YAML) gives the rules under test (inline, or rule_files naming
configuration files), input series in promtool's expanding notation, and the alert events
expected at given steps. A DIR stands for its *.test.yaml / *.test.yml files.

  rules: [{name: latency, window: 20, min_samples: 5, severities: [{severity: warning, z: 3}]}]
  evaluation_interval: 1m            # step length in sample time; step i is at i × interval
  tests:
    - name: a spike fires and resolves
      input_series:
        - series: 'http_latency_seconds{service="api"}'
          values: '100+1x9 100-1x9 400 100'   # a+bxn = n+1 values; _ = no sample
      alert_rule_test:
        - eval_step: 20
          alerts: [{status: firing, reason: fired, severity: warning, labels: {service: api}}]
        - eval_step: 21
          alerts: [{status: resolved}]

At a listed step, the alert events of that step must pair one to one with the expected alerts,
in any order; each expected alert is checked on the fields it gives (status, reason, severity,
rule, series, name, labels, annotations, value, starts_at_step; labels and annotations as whole
maps). By default (strict: true) a step that is not listed must have no events at all; with
strict: false only listed steps are checked, as promtool does. Full reference: the
"Rule tests" section of README.md.

Options:
  -v, --verbose   print every alert event of every test, as YAML ready to paste into alerts:
  -h, --help      this text

Exit code: 0 when every test passes, 1 when a test fails, 2 when a file is not a valid test file
(each problem is named with file:line:column and key) or for usage errors.`;

const OPTIONS = {
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function testRulesCommand(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(args, OPTIONS);
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError('no test FILEs given');
    return await testRules(expandArgs(positionals), values.verbose === true);
  } catch (e) {
    return reportError(e, 'test-rules');
  }
}

/** Directories become their test files, sorted; files stay as given (a missing one is reported later). */
function expandArgs(args: readonly string[]): string[] {
  const files: string[] = [];
  for (const arg of args) {
    let isDir = false;
    try {
      isDir = statSync(arg).isDirectory();
    } catch {
      // not there: loadRuleTestFile says so, in the file's turn
    }
    if (!isDir) {
      files.push(arg);
      continue;
    }
    const found = readdirSync(arg)
      .filter((n) => /\.test\.ya?ml$/.test(n))
      .sort();
    if (found.length === 0) throw new UsageError(`no *.test.yaml files in the directory ${arg}`);
    files.push(...found.map((n) => join(arg, n)));
  }
  return files;
}

async function testRules(files: readonly string[], verbose: boolean): Promise<number> {
  const out = new LineWriter();
  let passed = 0;
  let failed = 0;
  let invalid = 0;
  for (const file of files) {
    let loaded: RuleTestFile;
    try {
      loaded = loadRuleTestFile(file);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      await out.flush();
      process.stderr.write(`sigmawatch test-rules: invalid test file ${file}:\n${e.message}\n`);
      invalid++;
      continue;
    }
    out.line(file);
    for (const test of loaded.tests) {
      const result = runRuleTest(loaded.rules, test);
      if (result.passed) passed++;
      else failed++;
      out.line(`  ${result.passed ? 'ok    ' : 'FAILED'}  ${test.name}`);
      for (const line of formatFailures(result)) out.line(line);
      if (verbose) for (const line of formatEvents(result.events, test.intervalMs)) out.line(line);
    }
    await out.flush();
  }
  const tail = invalid > 0 ? `, ${invalid} invalid ${invalid === 1 ? 'file' : 'files'}` : '';
  out.line(`${passed} passed, ${failed} failed${tail}`);
  await out.flush();
  return invalid > 0 ? 2 : failed > 0 ? 1 : 0;
}
