/** Shared by the rule-test tests: test files written to a temporary directory. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/errors.js';
import { loadRuleTestFile, type RuleTestFile } from '../../src/rule-tests/test-file.js';

export const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-rule-tests-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Writes `text` to `name` (default: a fresh *.test.yaml) in the temporary directory; returns its path. */
export function writeFile(text: string, name = `t${++n}.test.yaml`): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export function load(text: string): RuleTestFile {
  return loadRuleTestFile(writeFile(text));
}

/** The lines of the ConfigError that loading `text` throws, with the file's path replaced by FILE. */
export function errorLines(text: string): string[] {
  const file = writeFile(text);
  try {
    loadRuleTestFile(file);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.exitCode, 2);
    return e.message.split('\n').map((l) => l.split(file).join('FILE'));
  }
  assert.fail('the test file was accepted');
}

/** A zigzag 99/101 baseline of `n` samples (n even: mean 100, std 1), then `rest`. */
export function zigzag(n: number, rest = ''): string {
  return `${Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 99 : 101)).join(' ')} ${rest}`.trim();
}
