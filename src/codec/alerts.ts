/**
 * Alert events on the alerts topic (key = series id): the type, a deterministic id, and the JSON /
 * msgpack encodings. The schema, field by field, is in README.md (Wire formats); keep the two in step.
 *
 * Both encodings write the fields in the order of `AlertEvent` below and leave out `endsAt` and
 * `reason` when absent. Times are Unix ms numbers only (no ISO duplicates: one representation
 * cannot disagree with itself; relays convert with `new Date(ms).toISOString()`).
 * In msgpack, `ts`, `startsAt`, `endsAt` and `window` are integers and `value`, `mean`, `std`, `z`
 * are always float64. JSON has no NaN/Infinity: such numbers are written as null and
 * `decodeAlert` reads them back as NaN.
 */

import { Decoder } from '@msgpack/msgpack';
import { ALERT_REASON_NAMES, BASELINE_NAMES, TRIGGER_NAMES, type AlertReasonName } from '../core/alert-queue.js';
import { DecodeError } from './errors.js';
import { MsgpackWriter } from './msgpack-writer.js';

export type AlertStatus = 'firing' | 'resolved';
/** Why this event was sent (the lifecycle transition that produced it): `core/alert-queue.ts`. */
export type AlertReason = AlertReasonName;
export type AlertBaseline = (typeof BASELINE_NAMES)[number];
export type AlertTrigger = Exclude<(typeof TRIGGER_NAMES)[number], 'none'>;

/** How alert events are encoded on the alerts topic (`alerts.format`). */
export const ALERT_FORMATS = ['json', 'msgpack'] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

export interface AlertEvent {
  /** `alertId(series, rule, startsAt)`: the same for every event of one firing episode. */
  id: string;
  status: AlertStatus;
  rule: string;
  severity: string;
  /** Canonical series id (also the record key). */
  series: string;
  name: string;
  /** Series labels plus the rule's extra labels. */
  labels: Record<string, string>;
  /** Time of the sample that produced this event, Unix ms. */
  ts: number;
  value: number;
  mean: number;
  std: number;
  z: number;
  /** Samples in the window the score was computed on. */
  window: number;
  /** When the episode began: its first breaching sample (with `for`, before it fired), Unix ms; part of `id`. */
  startsAt: number;
  /** Resolved events only: when it resolved, Unix ms. */
  endsAt?: number;
  annotations: Record<string, string>;
  reason?: AlertReason;
  /** What the sample was scored against: `window`, `memory` (long memory) or `daily` (its time of day). */
  baseline?: AlertBaseline;
  /** Which score breached: `z` or `likelihood`; absent on resolutions. */
  trigger?: AlertTrigger;
  /** The rule's breach threshold (|z| of its first tier): the expected band is mean ± threshold × std. */
  threshold?: number;
}

/** How a field is written and checked: msgpack type, JSON form and the allowed values. */
type FieldKind = 'string' | 'status' | 'reason' | 'baseline' | 'trigger' | 'map' | 'integer' | 'float';

/**
 * The schema, once: every field of AlertEvent (the type checker refuses a missing or an extra one)
 * in wire order, with its kind. Both encoders and the decoder walk this table.
 */
const ALERT_FIELDS: { readonly [K in keyof Required<AlertEvent>]: FieldKind } = {
  id: 'string',
  status: 'status',
  rule: 'string',
  severity: 'string',
  series: 'string',
  name: 'string',
  labels: 'map',
  ts: 'integer',
  value: 'float',
  mean: 'float',
  std: 'float',
  z: 'float',
  window: 'integer',
  startsAt: 'integer',
  endsAt: 'integer',
  annotations: 'map',
  reason: 'reason',
  baseline: 'baseline',
  trigger: 'trigger',
  threshold: 'float',
};
const FIELD_ORDER = Object.keys(ALERT_FIELDS) as (keyof AlertEvent)[];
/** Fields left out when absent; every other field is required. */
const OPTIONAL: ReadonlySet<string> = new Set<keyof AlertEvent>(['endsAt', 'reason', 'baseline', 'trigger', 'threshold']);

const ALLOWED: Partial<Record<FieldKind, ReadonlySet<string>>> = {
  status: new Set<AlertStatus>(['firing', 'resolved']),
  reason: new Set<string>(ALERT_REASON_NAMES),
  baseline: new Set<string>(BASELINE_NAMES),
  trigger: new Set<string>(TRIGGER_NAMES.filter((t) => t !== 'none')),
};

// FNV-1a, 64 bit (http://www.isthe.com/chongo/tech/comp/fnv/): tiny, specified, and the same in
// every language, so any consumer can recompute an id. 64 bits leave a collision chance of about
// n²/2⁶⁵ (1e-9 at 200k episodes), ample for dropping duplicates of one alert.
const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;
const TEXT_ENCODER = new TextEncoder();

/** FNV-1a 64 of `bytes` as 16 lowercase hex digits. */
export function fnv1a64Hex(bytes: Uint8Array): string {
  let h = FNV64_OFFSET;
  for (let i = 0; i < bytes.length; i++) {
    h ^= BigInt(bytes[i]!);
    h = (h * FNV64_PRIME) & MASK64;
  }
  return h.toString(16).padStart(16, '0');
}

/**
 * The id of one firing episode: FNV-1a 64 of the UTF-8 of `series NUL rule NUL startsAt`
 * (startsAt in decimal). Stable because it depends on nothing but these three values (no clock,
 * no process state, no hash seed): a re-sent, repeated or resolved event of the same episode, from
 * any worker after any restart, carries the same id.
 */
export function alertId(series: string, rule: string, startsAt: number): string {
  return fnv1a64Hex(TEXT_ENCODER.encode(`${series}\u0000${rule}\u0000${startsAt}`));
}

export function encodeAlert(e: AlertEvent, format: AlertFormat): Buffer {
  const present = FIELD_ORDER.filter((k) => e[k] !== undefined);
  if (format === 'json') {
    const ordered: Record<string, unknown> = {};
    for (const k of present) ordered[k] = e[k];
    return Buffer.from(JSON.stringify(ordered), 'utf8');
  }
  const w = new MsgpackWriter(256).mapHeader(present.length);
  for (const k of present) {
    w.str(k);
    const v = e[k]!;
    switch (ALERT_FIELDS[k]) {
      case 'map':
        w.stringMap(v as Record<string, string>);
        break;
      case 'integer':
        w.intOrFloat(v as number);
        break;
      case 'float':
        w.float64(v as number);
        break;
      default:
        w.str(v as string);
    }
  }
  return w.finish();
}

const MSGPACK = new Decoder();
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decode either encoding (JSON if the first byte is `{`). Throws `DecodeError`. For tests and the demo. */
export function decodeAlert(bytes: Uint8Array): AlertEvent {
  let body: unknown;
  try {
    body = bytes[0] === 0x7b ? JSON.parse(UTF8.decode(bytes)) : MSGPACK.decode(bytes);
  } catch (cause) {
    const json = bytes[0] === 0x7b;
    throw new DecodeError(json ? 'not_json' : 'not_msgpack', `alert is not valid ${json ? 'JSON' : 'msgpack'}: ${String(cause)}`, {
      cause,
    });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DecodeError('bad_shape', 'an alert event must be a map');
  }
  const r = body as Record<string, unknown>;
  const e: Record<string, unknown> = {};
  for (const k of FIELD_ORDER) {
    if (OPTIONAL.has(k) && r[k] === undefined) continue;
    e[k] = readField(r, k, ALERT_FIELDS[k]);
  }
  return e as unknown as AlertEvent;
}

function readField(r: Record<string, unknown>, k: string, kind: FieldKind): unknown {
  switch (kind) {
    case 'map':
      return strMap(r, k);
    case 'integer':
    case 'float':
      return num(r, k);
    case 'string':
      return str(r, k);
    default:
      return oneOf(r, k, ALLOWED[kind]!);
  }
}

function get(r: Record<string, unknown>, k: string): unknown {
  const v = Object.hasOwn(r, k) ? r[k] : undefined;
  if (v === undefined) throw new DecodeError('missing_field', `alert event has no "${k}" field`);
  return v;
}

function str(r: Record<string, unknown>, k: string): string {
  const v = get(r, k);
  if (typeof v !== 'string') throw new DecodeError('bad_shape', `alert field "${k}" must be a string, got ${typeof v}`);
  return v;
}

function oneOf(r: Record<string, unknown>, k: string, allowed: ReadonlySet<string>): string {
  const v = str(r, k);
  if (!allowed.has(v))
    throw new DecodeError('bad_shape', `alert field "${k}" must be one of ${[...allowed].join(', ')}, got ${JSON.stringify(v)}`);
  return v;
}

function num(r: Record<string, unknown>, k: string): number {
  const v = get(r, k);
  if (v === null) return NaN; // JSON's stand-in for NaN/±Infinity
  if (typeof v !== 'number') throw new DecodeError('bad_shape', `alert field "${k}" must be a number, got ${typeof v}`);
  return v;
}

function strMap(r: Record<string, unknown>, k: string): Record<string, string> {
  const v = get(r, k);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new DecodeError('bad_shape', `alert field "${k}" must be a map of strings`);
  }
  const m = v as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    if (typeof m[key] !== 'string') throw new DecodeError('bad_shape', `alert field "${k}.${key}" must be a string`);
  }
  return m as Record<string, string>;
}
