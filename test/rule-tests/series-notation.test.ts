import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandSeries, SeriesNotationError } from '../../src/rule-tests/series-notation.js';

const _ = null;

test('plain numbers: integers, signs, fractions, exponents, Inf and NaN', () => {
  assert.deepEqual(expandSeries('1 -2 +3 0.5 .25 7. 1e3 -1.5E-2 +2e+1'), [1, -2, 3, 0.5, 0.25, 7, 1000, -0.015, 20]);
  assert.deepEqual(expandSeries('Inf +inf -Inf'), [Infinity, Infinity, -Infinity]);
  const [nan] = expandSeries('NaN');
  assert.ok(Number.isNaN(nan));
});

test('a+bxn and a-bxn give n+1 values; axn is a+0xn', () => {
  assert.deepEqual(expandSeries('-2+4x3'), [-2, 2, 6, 10], 'promtool example 1');
  assert.deepEqual(expandSeries('1-2x4'), [1, -1, -3, -5, -7], 'promtool example 2');
  assert.deepEqual(expandSeries('1x4'), [1, 1, 1, 1, 1], 'promtool example 3');
  assert.deepEqual(expandSeries('5x0 7+1x0'), [5, 7], 'x0 is the value alone');
  assert.deepEqual(expandSeries('1e3+1e2x2 -1e-1-1e-1x1'), [1000, 1100, 1200, -0.1, -0.2]);
  assert.deepEqual(expandSeries('100+0x2 400 100x1'), [100, 100, 100, 400, 100, 100]);
});

test('the i-th value of a+bxn is a + i·b, without drift from repeated addition', () => {
  const v = expandSeries('0.1+0.1x99');
  assert.equal(v.length, 100);
  assert.equal(v[99], 0.1 + 99 * 0.1);
});

test('_ is one missing step, _xn is n of them (not n+1); stale is a step without a sample', () => {
  assert.deepEqual(expandSeries('1 _x3 stale'), [1, _, _, _, _], 'promtool example 4');
  assert.deepEqual(expandSeries('_ 2 _x0 3'), [_, 2, 3]);
  assert.deepEqual(expandSeries('stalex2 4'), [_, _, _, 4], 'stalexn follows promtool: n+1');
});

test('whitespace of any kind separates tokens; an empty string is no steps', () => {
  assert.deepEqual(expandSeries('  1\t2\n 3x1  '), [1, 2, 3, 3]);
  assert.deepEqual(expandSeries(''), []);
});

function error(text: string, maxSteps?: number): SeriesNotationError {
  try {
    expandSeries(text, maxSteps);
  } catch (e) {
    assert.ok(e instanceof SeriesNotationError, String(e));
    return e;
  }
  assert.fail(`${JSON.stringify(text)} was accepted`);
}

test('errors name the token and its position, and say what to write', () => {
  const cases: [text: string, position: number, message: string][] = [
    ['1 2 1+2 3', 4, '"1+2" at position 4: an increment needs a count: write 1+2xN for N more samples'],
    ['1 2 _ x3', 6, '"x3" at position 6: expected a number, a+bxn, a-bxn, axn, _, _xn or stale'],
    ['1 abc', 2, '"abc" at position 2: expected a number, a+bxn, a-bxn, axn, _, _xn or stale'],
    ['1X3', 0, '"1X3" at position 0: the count is written with a lower-case x, like 1x3'],
    ['4 1x', 2, '"1x" at position 2: x must be followed by a count, like 1x10'],
    ['1x-2', 0, '"1x-2" at position 0: the count after x cannot be negative'],
    ['1x2.5', 0, '"1x2.5" at position 0: the count after x must be a whole number'],
    ['_+1x3', 0, '"_+1x3" at position 0: a missing sample is _ or _xN (N further missing samples)'],
    ['Stale', 0, '"Stale" at position 0: write stale (lower case), or staleXN as stalexN'],
    ['1 + 2x3', 2, '"+" at position 2: expected a number, a+bxn, a-bxn, axn, _, _xn or stale'],
  ];
  for (const [text, position, message] of cases) {
    const e = error(text);
    assert.equal(e.message, message, text);
    assert.equal(e.position, position, text);
  }
  // 0x10 is not hexadecimal: it is ten more zeros.
  assert.deepEqual(expandSeries('0x10'), new Array(11).fill(0));
});

test('a series longer than the step limit is refused before it is built', () => {
  assert.equal(error('1x99999999999').message, '"1x99999999999" at position 0: the series would be longer than 1000000 steps');
  assert.equal(error('_x5 1x3', 8).message, '"1x3" at position 4: the series would be longer than 8 steps');
  assert.equal(error('1x3 _x5', 8).message, '"_x5" at position 4: the series would be longer than 8 steps');
  assert.equal(expandSeries('1x3 _x4', 8).length, 8);
});
