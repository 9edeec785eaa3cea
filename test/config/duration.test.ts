import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

test('parses Prometheus/Go style durations to ms', () => {
  const cases: Array<[string, number]> = [
    ['0', 0],
    ['0s', 0],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['1m30s500ms', 90_500],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

test('refuses what is not a duration', () => {
  for (const text of ['', '5', '-5s', '5x', '5 m', 's', '30m1h', '1m1m', '0.5ms', '1.s', ' 5s', 'ms']) {
    assert.equal(parseDuration(text), undefined, JSON.stringify(text));
  }
});

test('formatDuration is the inverse of parseDuration', () => {
  for (const ms of [0, 1, 250, 30_000, 90_500, 5_400_000, 604_800_000 + 1]) {
    assert.equal(parseDuration(formatDuration(ms)), ms);
  }
  assert.equal(formatDuration(5_400_000), '1h30m');
  assert.equal(formatDuration(0), '0s');
});
