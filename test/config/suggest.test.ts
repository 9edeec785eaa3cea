import { test } from 'node:test';
import assert from 'node:assert/strict';
import { didYouMean, editDistance } from '../../src/config/suggest.js';

test('edit distance counts a swap of neighbours as one edit', () => {
  assert.equal(editDistance('window', 'window'), 0);
  assert.equal(editDistance('windw', 'window'), 1);
  assert.equal(editDistance('widnow', 'window'), 1);
  assert.equal(editDistance('', 'abc'), 3);
});

test('suggests close keys, ignoring case, _ and -', () => {
  const keys = ['name', 'window', 'short_window', 'min_samples', 'severity', 'severities', 'keep_firing_for'];
  assert.equal(didYouMean('windw', keys), 'window');
  assert.equal(didYouMean('shortWindow', keys), 'short_window');
  assert.equal(didYouMean('keep-firing-for', keys), 'keep_firing_for');
  assert.equal(didYouMean('severites', keys), 'severities');
  assert.equal(didYouMean('foo', keys), undefined);
  assert.equal(didYouMean('threshold', keys), undefined);
});
