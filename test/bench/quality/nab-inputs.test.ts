/** What the NAB scorer reads: timestamps, CSV columns, and detections given as timestamps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { readCsvColumns } from '../../../bench/quality/nab-csv.js';
import { buildNabFile, rowsDetectedAt } from '../../../bench/quality/nab-scorer.js';
import { probationLength } from '../../../bench/quality/nab-sweep.js';
import { formatNabTimestamp, parseNabTimestamp } from '../../../bench/quality/nab-timestamp.js';

test('NAB timestamps are UTC; label microseconds are floored to the millisecond', () => {
  assert.equal(parseNabTimestamp('2014-04-10 07:15:00'), Date.UTC(2014, 3, 10, 7, 15));
  assert.equal(parseNabTimestamp('2014-04-10 07:15:00.000000'), Date.UTC(2014, 3, 10, 7, 15));
  assert.equal(parseNabTimestamp(' 2014-04-10T07:15:00.9999 '), Date.UTC(2014, 3, 10, 7, 15, 0, 999));
  assert.equal(formatNabTimestamp(Date.UTC(2014, 3, 10, 7, 15)), '2014-04-10 07:15:00');
  assert.throws(() => parseNabTimestamp('2014-02-30 00:00:00'), /not a valid date/);
  assert.throws(() => parseNabTimestamp('2014-04-10 07:15:00Z'), /must look like/);
  assert.throws(() => parseNabTimestamp('1397114100000'), /must look like/);
});

test('CSV: CRLF or LF, blank lines skipped, columns by header name', () => {
  const cols = readCsvColumns(
    'value, timestamp\r\n1.5,2014-04-10 07:15:00\r\n\r\n2,2014-04-10 07:20:00\r\n',
    ['timestamp', 'value'],
    'mem',
  );
  assert.deepEqual(cols, { timestamp: ['2014-04-10 07:15:00', '2014-04-10 07:20:00'], value: ['1.5', '2'] });
  assert.throws(() => readCsvColumns('time,value\n', ['timestamp', 'value'], 'mem.csv'), /mem\.csv: header .* lacks/);
});

test('probation: 15 % of the rows, floored, at most 750', () => {
  assert.deepEqual([probationLength(1243), probationLength(4032), probationLength(5000), probationLength(5400)], [186, 604, 750, 750]);
});

test('a detection timestamp marks every row with that timestamp; unknown ones are reported', () => {
  const ts = Float64Array.from([0, 300_000, 300_000, 600_000]);
  const f = buildNabFile('x.csv', ts, new Float64Array(4), []);
  const { rows, unmatched } = rowsDetectedAt(f, [300_000, 450_000]);
  assert.deepEqual([...rows], [0, 1, 1, 0]);
  assert.deepEqual(unmatched, [450_000]);
});

test('a window edge that is not a row timestamp is an error, as in the reference', () => {
  const ts = Float64Array.from({ length: 10 }, (_, i) => i * 300_000);
  assert.throws(
    () => buildNabFile('x.csv', ts, new Float64Array(10), [{ startMs: 1, endMs: 900_000 }]),
    /x\.csv: window .* is not a timestamp of the file/,
  );
});
