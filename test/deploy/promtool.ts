/**
 * Rule files through the real promtool (Debian's `prometheus` package): `check rules` on the
 * groups as shipped, and `test rules` on the same groups without annotations (promtool compares
 * annotations whole; `check rules` has parsed their templates).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runTool } from './support.js';

const PROMTOOL_MISSING = "install Debian's prometheus package (apt-get install prometheus), which provides promtool";

interface RuleGroup {
  rules: ReadonlyArray<{ annotations?: unknown }>;
}

/** One `promtool test rules` case: a name, its input series and what each alert does when. */
export interface PromtoolCase {
  name: string;
  [key: string]: unknown;
}

/** `promtool check rules` on `groups` written to `dir/file`: must pass; returns its output. */
export async function checkRules(dir: string, file: string, groups: readonly RuleGroup[]): Promise<string> {
  const path = join(dir, file);
  writeFileSync(path, stringify({ groups }));
  const r = await runTool('promtool', ['check', 'rules', path], PROMTOOL_MISSING);
  assert.equal(r.code, 0, `promtool check rules:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** `promtool test rules` of `cases` (1 m steps) against `groups` without annotations: must pass. */
export async function testRules(dir: string, groups: readonly RuleGroup[], cases: readonly PromtoolCase[]): Promise<void> {
  const bare = { groups: groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _annotations, ...r }) => r) })) };
  writeFileSync(join(dir, 'rules.yaml'), stringify(bare));
  const tests = {
    rule_files: ['rules.yaml'],
    evaluation_interval: '1m',
    tests: cases.map(({ name, ...c }) => ({ name, interval: '1m', ...c })),
  };
  writeFileSync(join(dir, 'tests.yaml'), stringify(tests));
  const r = await runTool('promtool', ['test', 'rules', join(dir, 'tests.yaml')], PROMTOOL_MISSING);
  assert.equal(r.code, 0, `promtool test rules:\n${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /SUCCESS/);
}
