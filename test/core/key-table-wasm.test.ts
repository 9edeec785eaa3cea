import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KEY_TABLE_C_SHA256 } from '../../src/core/key-table-wasm.js';

test('the embedded key-table module was built from the current key-table.c (else: npm run build:wasm)', () => {
  const source = readFileSync(new URL('../../../src/core/key-table.c', import.meta.url));
  assert.equal(
    createHash('sha256').update(source).digest('hex'),
    KEY_TABLE_C_SHA256,
    'src/core/key-table.c changed since key-table-wasm.ts was generated: run npm run build:wasm (needs clang and lld)',
  );
});
