import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileMatchers, compileRegex, parseSelector, SelectorError } from '../../src/core/matcher.js';
import type { LabelMatcher } from '../../src/core/rule.js';

const m = (label: string, op: LabelMatcher['op'], value: string): LabelMatcher => ({ label, op, value });

function selects(selector: string, name: string, labels: Record<string, string> = {}): boolean {
  return compileMatchers(parseSelector(selector))(name, labels);
}

function fails(selector: string, position: number, message: RegExp): void {
  assert.throws(
    () => parseSelector(selector),
    (e: unknown) => {
      assert.ok(e instanceof SelectorError, `expected SelectorError, got ${String(e)}`);
      assert.equal(e.position, position, e.message);
      assert.match(e.message, message);
      return true;
    },
  );
}

test('parse: a metric name alone, with matchers, or matchers alone', () => {
  assert.deepEqual(parseSelector('http_requests_total'), [m('__name__', '=', 'http_requests_total')]);
  assert.deepEqual(parseSelector('ns:rate5m'), [m('__name__', '=', 'ns:rate5m')]);
  assert.deepEqual(parseSelector('metric{a="x",b!="y",c=~"re",d!~"re"}'), [
    m('__name__', '=', 'metric'),
    m('a', '=', 'x'),
    m('b', '!=', 'y'),
    m('c', '=~', 're'),
    m('d', '!~', 're'),
  ]);
  assert.deepEqual(parseSelector('{__name__=~"http_.*"}'), [m('__name__', '=~', 'http_.*')]);
  assert.deepEqual(parseSelector('  up { job = "a" , } '), [m('__name__', '=', 'up'), m('job', '=', 'a')]);
  assert.deepEqual(parseSelector('{}'), []);
  assert.deepEqual(parseSelector('up{}'), [m('__name__', '=', 'up')]);
});

test('parse: quotes and escapes', () => {
  assert.deepEqual(parseSelector(`{a='x"y'}`), [m('a', '=', 'x"y')]);
  assert.deepEqual(parseSelector(`{a="x'y\\"z"}`), [m('a', '=', `x'y"z`)]);
  assert.deepEqual(parseSelector(`{a='it\\'s'}`), [m('a', '=', "it's")]);
  assert.deepEqual(parseSelector('{a="\\\\ \\n \\t \\u00e9 \\U0001F600 \\x41"}'), [m('a', '=', '\\ \n \t é 😀 A')]);
  assert.deepEqual(parseSelector('{a=~"a\\\\.b"}'), [m('a', '=~', 'a\\.b')]);
  assert.deepEqual(parseSelector('{a=~`\\d+\\.\\d+`}'), [m('a', '=~', '\\d+\\.\\d+')], 'backquotes are raw');
});

test('parse errors name the position and what was expected', () => {
  fails('', 0, /at position 0: expected a metric name or "\{", got the end/);
  fails('9up', 0, /expected a metric name or "\{", got "9"/);
  fails('up job', 3, /expected "\{" or the end, got "j"/);
  fails('up{job}', 6, /expected one of =, !=, =~, !~ after label name "job", got "\}"/);
  fails('up{job=a}', 7, /expected a quoted string for label "job", got "a"/);
  fails('up{job="a" env="b"}', 11, /expected "," or "\}" after a matcher, got "e"/);
  fails('up{job="a"', 10, /expected "," or "\}" after a matcher, got the end/);
  fails('up{job="a}', 7, /unterminated string: expected a closing "/);
  fails('up{,}', 3, /expected a label name or "\}", got ","/);
  fails('up{1a="x"}', 3, /expected a label name/);
  fails('up{a="x"} extra', 10, /expected the end of the selector, got "e"/);
  fails('up{a=~"a\\.b"}', 8, /unknown escape \\\. \(to put a backslash in a regex, write \\\\\)/);
  fails('up{a="\\x"}', 6, /\\x needs 2 hex digits/);
  fails('up{a="\\xff"}', 6, /use \\u00ff/);
  fails('up{a=~"("}', 6, /invalid regex for "a": "\(" is not a valid regex/);
  fails('up{a=~"(?m)x"}', 6, /inline flag \(\?m\) is not supported/);
  fails('up{__name__="x"}', 3, /metric name is set twice/);
  assert.ok(new SelectorError('x') instanceof Error);
});

test('each operator', () => {
  const labels = { env: 'prod', code: '503' };
  assert.equal(selects('{env="prod"}', 'x', labels), true);
  assert.equal(selects('{env="dev"}', 'x', labels), false);
  assert.equal(selects('{env!="dev"}', 'x', labels), true);
  assert.equal(selects('{env!="prod"}', 'x', labels), false);
  assert.equal(selects('{code=~"5.."}', 'x', labels), true);
  assert.equal(selects('{code=~"4.."}', 'x', labels), false);
  assert.equal(selects('{code!~"5.."}', 'x', labels), false);
  assert.equal(selects('{code!~"4.."}', 'x', labels), true);
  assert.equal(selects('up', 'up'), true);
  assert.equal(selects('up', 'upx'), false);
  assert.equal(selects('{__name__=~"http_.*"}', 'http_requests_total'), true);
  assert.equal(selects('{__name__=~"http_.*"}', 'grpc_requests_total'), false);
  assert.equal(selects('{__name__!="up"}', 'down'), true);
  assert.equal(selects('up{env="prod",code=~"5.*"}', 'up', labels), true);
  assert.equal(selects('up{env="prod",code=~"4.*"}', 'up', labels), false, 'all must hold');
  assert.equal(compileMatchers([])('anything', {}), true);
});

test('a missing label equals the empty string', () => {
  assert.equal(selects('{env=""}', 'x', {}), true, 'env="" means "no env"');
  assert.equal(selects('{env=""}', 'x', { env: 'prod' }), false);
  assert.equal(selects('{env!=""}', 'x', {}), false, 'env!="" means "has env"');
  assert.equal(selects('{env!=""}', 'x', { env: 'prod' }), true);
  assert.equal(selects('{env!="prod"}', 'x', {}), true);
  assert.equal(selects('{env=~".*"}', 'x', {}), true);
  assert.equal(selects('{env=~".+"}', 'x', {}), false);
  assert.equal(selects('{env=~"prod|"}', 'x', {}), true);
  assert.equal(selects('{env!~"prod|"}', 'x', {}), false);
  assert.equal(selects('{env=~"p.*"}', 'x', {}), false);
  // Inherited properties are not labels.
  assert.equal(selects('{constructor=""}', 'x', {}), true);
  assert.equal(selects('{toString!=""}', 'x', {}), false);
});

test('regexes are fully anchored and an unbalanced ) cannot escape the anchors', () => {
  assert.equal(selects('{a=~"foo"}', 'x', { a: 'foobar' }), false);
  assert.equal(selects('{a=~"foo"}', 'x', { a: 'xfoo' }), false);
  assert.equal(selects('{a=~"foo.*"}', 'x', { a: 'foobar' }), true);
  assert.equal(selects('{a=~"a|b"}', 'x', { a: 'ab' }), false, '^(?:a|b)$, not ^a|b$');
  assert.equal(selects('{a=~"a|b"}', 'x', { a: 'b' }), true);
  assert.equal(selects('{a!~"foo"}', 'x', { a: 'foobar' }), true);
  assert.throws(() => compileRegex('a)|(.*'), SelectorError);
  assert.throws(() => compileMatchers([m('a', '=~', 'x)|(y')]), SelectorError);
});

test('regex dialect: . matches line feeds, leading (?i), RE2 named groups', () => {
  assert.equal(selects('{a=~"x.y"}', 'x', { a: 'x\ny' }), true);
  assert.equal(selects('{a=~"(?i)error"}', 'x', { a: 'ERROR' }), true);
  assert.equal(selects('{a=~"error"}', 'x', { a: 'ERROR' }), false);
  assert.equal(selects('{a=~"(?P<n>\\\\d+)ms"}', 'x', { a: '250ms' }), true);
  assert.equal(selects('{a=~"api-1"}', 'x', { a: 'api-1' }), true, 'literal fast path');
  assert.equal(selects('{a=~""}', 'x', { a: '' }), true);
});

test('compileMatchers accepts matchers built elsewhere and rejects unknown operators', () => {
  const p = compileMatchers([m('__name__', '=', 'up'), m('job', '=~', 'a|b')]);
  assert.equal(p('up', { job: 'b' }), true);
  assert.equal(p('up', { job: 'c' }), false);
  assert.throws(() => compileMatchers([{ label: 'a', op: '==' as LabelMatcher['op'], value: 'x' }]), /unknown match operator "=="/);
});
