/** Shared by the config tests: temporary YAML files and a way to catch a ConfigError's lines. */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type LoadConfigOptions } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-config-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Writes `text` to a fresh file and returns its path. */
export function yamlFile(text: string): string {
  const file = join(dir, `config-${++n}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** Loads with an empty environment unless the test gives one. */
export function load(options: LoadConfigOptions = {}) {
  return loadConfig({ env: {}, ...options });
}

/** The lines of the ConfigError that loading throws. */
export function errorLines(options: LoadConfigOptions): string[] {
  try {
    load(options);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    assert.equal(err.issues.length, err.message.split('\n').length);
    return err.message.split('\n');
  }
  assert.fail('loadConfig did not throw');
}

/** The single line of the ConfigError for a user file holding `text`, with the file name replaced by `FILE`. */
export function fileError(text: string): string {
  const file = yamlFile(text);
  const lines = errorLines({ file });
  assert.equal(lines.length, 1, `expected one error, got:\n${lines.join('\n')}`);
  return lines[0]!.replaceAll(file, 'FILE');
}
