/**
 * The text of a rule test's outcome: a diff per failing step, and events written as YAML flow maps
 * with the test file's field names, so that an event printed here can be pasted into `alerts:`.
 */
import type { AlertEvent } from '../codec/alerts.js';
import { formatDuration } from '../config/duration.js';
import type { FieldDifference } from './compare.js';
import type { RuleTestResult, StepEvents, StepFailure } from './run.js';
import type { ExpectedAlert } from './test-file.js';

/** The lines explaining why a test failed (empty when it passed), indented by `indent`. */
export function formatFailures(result: RuleTestResult, indent = '    '): string[] {
  const out: string[] = [];
  for (const f of result.failures) out.push(...formatFailure(f, result.test.intervalMs, indent));
  return out;
}

function formatFailure(f: StepFailure, intervalMs: number, indent: string): string[] {
  const where = `step ${f.step} (${formatDuration(f.step * intervalMs)}${f.listed ? '' : ', not listed in alert_rule_test'})`;
  const out = [`${indent}${where}: expected ${count(f.expected)}, got ${count(f.got)}`];
  const more = indent + '  ';
  for (const m of f.missing) {
    out.push(`${more}- expected   ${formatExpected(m.expected)}`);
    if (m.closest === undefined) continue;
    const withAnnotations = m.expected.annotations !== undefined;
    out.push(`${more}  got        ${formatEvent(m.closest.event, intervalMs, withAnnotations)}`);
    for (const d of m.closest.differences) out.push(`${more}             ${formatDifference(d)}`);
  }
  for (const e of f.unexpected) out.push(`${more}+ unexpected ${formatEvent(e, intervalMs)}`);
  return out;
}

/** Every event of a test, one line each, by step (`--verbose`). */
export function formatEvents(events: readonly StepEvents[], intervalMs: number, indent = '    '): string[] {
  const out: string[] = [];
  for (const { step, events: list } of events) {
    out.push(`${indent}step ${step} (${formatDuration(step * intervalMs)}):`);
    for (const e of list) out.push(`${indent}  ${formatEvent(e, intervalMs, true)}`);
  }
  return out;
}

/** `{status: firing, reason: fired, severity: warning, rule: latency, series: 'm{a="b"}', labels: {a: b}, value: 400, starts_at_step: 31}  # z 12.3` */
export function formatEvent(e: AlertEvent, intervalMs: number, withAnnotations = false): string {
  const fields: [string, unknown][] = [
    ['status', e.status],
    ['reason', e.reason],
    ['severity', e.severity],
    ['rule', e.rule],
    ['series', e.series],
    ['labels', e.labels],
  ];
  if (withAnnotations && Object.keys(e.annotations).length > 0) fields.push(['annotations', e.annotations]);
  fields.push(['value', e.value], ['starts_at_step', e.startsAt / intervalMs]);
  return `${flowMap(fields)}  # z ${formatZ(e.z)}`;
}

export function formatExpected(x: ExpectedAlert): string {
  const fields: [string, unknown][] = [];
  const add = (name: string, v: unknown): void => {
    if (v !== undefined) fields.push([name, v]);
  };
  add('status', x.status);
  add('reason', x.reason);
  add('severity', x.severity);
  add('rule', x.rule);
  add('series', x.series);
  add('name', x.name);
  add('labels', x.labels);
  add('annotations', x.annotations);
  add('value', x.value);
  add('starts_at_step', x.startsAtStep);
  return flowMap(fields);
}

function formatDifference(d: FieldDifference): string {
  return `${d.field}: expected ${flowValue(d.expected)}, got ${flowValue(d.got)}`;
}

function count(n: number): string {
  return n === 0 ? 'no alerts' : n === 1 ? '1 alert' : `${n} alerts`;
}

function formatZ(z: number): string {
  return Number.isFinite(z) && Math.abs(z) < 1e6 ? String(Number(z.toPrecision(4))) : z.toExponential(3);
}

function flowMap(fields: readonly (readonly [string, unknown])[]): string {
  return `{${fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${flowValue(v)}`)
    .join(', ')}}`;
}

const PLAIN = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n|nan|inf)$/i;

/** A value as YAML flow syntax: plain words bare, other strings single-quoted, maps as `{k: v}`. */
function flowValue(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? '.nan' : v === Infinity ? '.inf' : v === -Infinity ? '-.inf' : String(v);
  if (typeof v === 'string') return PLAIN.test(v) && !RESERVED.test(v) ? v : `'${v.replace(/'/g, "''")}'`;
  if (typeof v === 'object' && v !== null) {
    return flowMap(Object.entries(v as Record<string, unknown>).map(([k, x]) => [PLAIN.test(k) ? k : flowValue(k), x] as const));
  }
  return String(v);
}
