import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, formatNumber, TemplateError, type TemplateContext } from '../../src/codec/alert-template.js';

const ctx: TemplateContext = {
  value: 1234567.8,
  mean: 3.14159,
  std: 0.000123456,
  z: -4.56789,
  rule: 'latency',
  severity: 'critical',
  series: 'http_latency_seconds{env="prod",service="api"}',
  name: 'http_latency_seconds',
  labels: { env: 'prod', service: 'api' },
};

test('renders every placeholder, with or without spaces inside the braces', () => {
  const t = compileTemplate(
    '{{name}} {{ value }} mean={{  mean }} std={{std}} z={{ z }} [{{ rule }}/{{severity}}] {{ series }} env={{ labels.env }}',
  );
  assert.equal(
    t.render(ctx),
    'http_latency_seconds 1234568 mean=3.142 std=0.0001235 z=-4.568 [latency/critical] http_latency_seconds{env="prod",service="api"} env=prod',
  );
  assert.deepEqual(t.placeholders, ['name', 'value', 'mean', 'std', 'z', 'rule', 'severity', 'series', 'labels.env']);
});

test('a missing label renders as the empty string', () => {
  assert.equal(compileTemplate('team=[{{ labels.team }}]').render(ctx), 'team=[]');
});

test('plain text, single braces and empty templates pass through', () => {
  assert.equal(compileTemplate('').render(ctx), '');
  assert.equal(compileTemplate('no placeholders').render(ctx), 'no placeholders');
  assert.equal(compileTemplate('{"a": 1} {{ z }}').render(ctx), '{"a": 1} -4.568');
});

test('a compiled template renders many contexts (compile once, render per alert)', () => {
  const t = compileTemplate('{{ labels.service }}: {{ value }}');
  assert.equal(t.render({ ...ctx, value: 1 }), 'api: 1');
  assert.equal(t.render({ ...ctx, value: 2.5, labels: { service: 'db' } }), 'db: 2.5');
  assert.ok(Object.isFrozen(t));
});

test('an unknown placeholder throws TemplateError naming it and listing the allowed ones', () => {
  assert.throws(
    () => compileTemplate('{{ valu }} is high'),
    (err: unknown) => {
      assert.ok(err instanceof TemplateError);
      assert.equal(
        err.message,
        'unknown placeholder {{ valu }}; allowed: value, mean, std, z, rule, severity, series, name, labels.<label>',
      );
      assert.equal(err.placeholder, 'valu');
      assert.equal(err.offset, 0);
      return true;
    },
  );
  assert.throws(() => compileTemplate('{{ labels }}'), { message: /^unknown placeholder \{\{ labels \}\}/ });
  assert.throws(() => compileTemplate('{{ labels.bad-name }}'), { message: /^unknown placeholder \{\{ labels\.bad-name \}\}/ });
  assert.throws(() => compileTemplate('{{}}'), { message: /^unknown placeholder \{\{  \}\}/ });
  assert.throws(() => compileTemplate('{{ constructor }}'), TemplateError);
});

test('unbalanced braces are errors', () => {
  assert.throws(() => compileTemplate('{{ value '), {
    name: 'TemplateError',
    message: 'unbalanced braces: "{{" at offset 0 is never closed',
  });
  assert.throws(() => compileTemplate('x {{ value {{ mean }}'), {
    message: 'unbalanced braces: "{{" at offset 2 is never closed',
  });
  assert.throws(() => compileTemplate('value }} x'), {
    message: 'unbalanced braces: "}}" at offset 6 closes nothing',
  });
  assert.throws(() => compileTemplate('{{ value }} }}'), {
    message: 'unbalanced braces: "}}" at offset 12 closes nothing',
  });
});

test('formatNumber: 4 significant digits, integer part kept, compact', () => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [-0, '0'],
    [1, '1'],
    [2.5, '2.5'],
    [3.14159, '3.142'],
    [-4.56789, '-4.568'],
    [0.000123456, '0.0001235'],
    [1e-9, '1e-9'],
    [1.23456e-7, '1.235e-7'],
    [999.96, '1000'],
    [1234.5, '1235'],
    [1234567.8, '1234568'],
    [100, '100'],
    [1e15, '1e+15'],
    [1.23456e20, '1.235e+20'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ];
  for (const [x, want] of cases) assert.equal(formatNumber(x), want, `formatNumber(${x})`);
});
