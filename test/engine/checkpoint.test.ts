/**
 * Checkpoints of an engine: an engine restored from one continues exactly as the engine it was
 * taken from (bit-identical statistics, the same alerts), and a checkpoint that is corrupt,
 * truncated, of another format or written under other rules is refused with its reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaMessage } from 'kafkajs';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  restoreEngine,
  CHECKPOINT_HEADER_BYTES,
} from '../../src/engine/checkpoint.js';
import { crc32, crc32Update } from '../../src/engine/crc32.js';
import { rulesFingerprint } from '../../src/engine/fingerprint.js';
import { encodeCompact } from '../../src/codec/samples.js';
import { formatSeriesId } from '../../src/codec/series-id.js';
import { INACTIVE } from '../../src/core/lifecycle.js';
import type { Rule } from '../../src/core/rule.js';
import { makeRule } from '../support/rules.js';
import { gaussian, mulberry32 } from '../support/random.js';

const T0 = Date.UTC(2026, 10, 3);
const STEP = 10 * 60_000;

const RULES: Rule[] = [
  // A rolling window confirmed by a short one.
  makeRule({
    name: 'cpu',
    matchers: [{ label: '__name__', op: '=', value: 'cpu' }],
    window: 32,
    shortWindow: 8,
    minSamples: 10,
    multiWindow: true,
    keepFiringFor: { samples: 3 },
  }),
  // Long memory, likelihood, daily seasonality, hysteresis and re-arm.
  makeRule({
    name: 'lat',
    memory: 200,
    window: 32,
    minSamples: 20,
    likelihood: { window: 5, probability: 1e-3, memory: 300, minSamples: 50 },
    seasonality: { buckets: 24, days: 1, explains: 0.5, memory: 200 },
    keepFiringFor: { samples: 5 },
    rearm: 2,
    baseline: 'exclude_anomalies',
  }),
];

function options(maxSeries = 1000): EngineOptions {
  return {
    rules: RULES,
    maxSeries,
    initialCapacity: 16,
    idleTimeoutMs: 3 * 3_600_000,
    flapWindowMs: 3_600_000,
    source: { topic: 'metrics', partition: 0 },
  };
}

let offset = 0;
function record(series: string, ts: number, value: number): KafkaMessage {
  return {
    key: Buffer.from(series),
    value: encodeCompact(ts, value),
    headers: {},
    offset: String(offset++),
    timestamp: '0',
    attributes: 0,
    size: 0,
  } as unknown as KafkaMessage;
}

/** Round r of a seeded workload: daily-shaped values, spikes, series that stop (evicted) and series that start late. */
function round(r: number, g: () => number, u: () => number): KafkaMessage[] {
  const out: KafkaMessage[] = [];
  const ts = T0 + r * STEP;
  const daily = 20 * Math.sin((2 * Math.PI * (ts % 86_400_000)) / 86_400_000);
  for (let i = 0; i < 120; i++) {
    if (i % 10 === 0 && r > 150) continue; // stops: evicted after the idle timeout, leaving free slots
    if (i % 7 === 0 && r < 60) continue; // starts late
    const name = i % 2 === 0 ? 'cpu' : 'lat';
    const spike = u() < 0.02 ? 40 * (u() < 0.5 ? -1 : 1) : 0;
    out.push(record(formatSeriesId(name, { host: `h${i}` }), ts, 500 + i + (name === 'lat' ? daily : 0) + 2 * g() + spike));
  }
  if (r > 310) out.push(record(formatSeriesId('cpu', { host: `late-${r % 13}` }), ts, 7 + g()));
  return out;
}

function feed(engine: Engine, messages: KafkaMessage[]): unknown[] {
  engine.begin(0);
  for (const m of messages) engine.process(m);
  return engine.finish().alerts.map((a) => a.event);
}

test('an engine restored from a checkpoint continues bit for bit as the uninterrupted one', () => {
  const g = gaussian(mulberry32(7));
  const u = mulberry32(8);
  const rounds = Array.from({ length: 420 }, (_, r) => round(r, g, u));
  const a = new Engine(options());
  let alertsBefore = 0;
  for (const batch of rounds.slice(0, 300)) alertsBefore += feed(a, batch).length;
  assert.ok(alertsBefore > 0, 'the workload alerts before the checkpoint');
  const lc = a.detector.lifecycle;
  let open = 0;
  a.detector.store.forEach((slot) => (open += lc.state[slot] !== INACTIVE ? 1 : 0));
  assert.ok(open > 0, 'some episodes are open at the checkpoint');

  const fingerprint = rulesFingerprint(RULES);
  const bytes = encodeCheckpoint(a, 12_345n, fingerprint);
  const decoded = decodeCheckpoint(bytes, fingerprint);
  assert.equal(decoded.offset, 12_345n);
  const b = restoreEngine(options(), decoded);
  assert.equal(b.seriesCount, a.seriesCount);
  assert.equal(b.spanMs, a.spanMs);
  assert.deepEqual(b.snapshot(), a.snapshot(), 'the restored engine checkpoints to the same bytes');

  let alertsAfter = 0;
  for (const batch of rounds.slice(300)) {
    const fromA = feed(a, batch);
    assert.deepEqual(feed(b, batch), fromA);
    alertsAfter += fromA.length;
  }
  assert.ok(alertsAfter > 0, 'the workload alerts after the checkpoint');
  assertSameState(a, b);
  assert.deepEqual(b.snapshot(), a.snapshot(), 'and so does it after the same future');
});

function assertSameState(a: Engine, b: Engine): void {
  const [da, db] = [a.detector, b.detector];
  const slots = da.store.slotsUsed;
  assert.equal(db.store.slotsUsed, slots);
  for (const name of ['head', 'count', 'window', 'shift', 'sum', 'sumSq', 'shortShift', 'shortSum', 'shortSumSq'] as const) {
    assert.deepEqual(db.store.windows[name].subarray(0, slots), da.store.windows[name].subarray(0, slots), name);
  }
  assert.deepEqual(db.store.lastSeen.subarray(0, slots), da.store.lastSeen.subarray(0, slots));
  // Long memories keep [shift, offset, variance, count] per slot side by side: 4 numbers a slot.
  assert.deepEqual(db.longMemory!.state.subarray(0, 4 * slots), da.longMemory!.state.subarray(0, 4 * slots), 'longMemory');
  assert.deepEqual(
    db.likelihood!.distribution.state.subarray(0, 4 * slots),
    da.likelihood!.distribution.state.subarray(0, 4 * slots),
    'likelihood',
  );
  assert.deepEqual(
    db.seasonal!.residual.state.subarray(0, 4 * slots),
    da.seasonal!.residual.state.subarray(0, 4 * slots),
    'seasonal.residual',
  );
  assert.deepEqual(db.likelihood!.average.subarray(0, slots), da.likelihood!.average.subarray(0, slots));
  for (const m of ['profile', 'spread', 'seen'] as const)
    assert.deepEqual(db.seasonal![m].subarray(0, slots * 24), da.seasonal![m].subarray(0, slots * 24), `seasonal.${m}`);
  da.store.forEach((slot) => {
    assert.equal(db.store.keyString(slot), da.store.keyString(slot));
    assert.deepEqual(db.identityOf(slot), da.identityOf(slot));
    const values = (d: typeof da) => {
      const out = new Float64Array(32);
      return Array.from(out.subarray(0, d.store.windows.valuesInto(slot, out)));
    };
    assert.deepEqual(values(db), values(da), `window of slot ${slot}`);
    assert.equal(db.lifecycle.state[slot], da.lifecycle.state[slot]);
    if (da.lifecycle.state[slot] !== INACTIVE) {
      for (const f of ['tier', 'breachRun', 'clearRun', 'activeAt', 'firedAt', 'lastSentAt', 'clearSince', 'lastValue', 'peak'] as const) {
        assert.equal(db.lifecycle[f][slot], da.lifecycle[f][slot], `lifecycle.${f} of slot ${slot}`);
      }
    }
  });
}

function smallCheckpoint(): { bytes: Uint8Array; fingerprint: string } {
  const engine = new Engine(options());
  const g = gaussian(mulberry32(1));
  const u = mulberry32(2);
  for (let r = 0; r < 80; r++) feed(engine, round(r, g, u));
  const fingerprint = rulesFingerprint(RULES);
  return { bytes: encodeCheckpoint(engine, 99n, fingerprint), fingerprint };
}

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof CheckpointError, `a CheckpointError, got ${String(e)}`);
    return e.reason;
  }
  return 'accepted';
}

test('a flipped bit anywhere after the version is caught by the checksum', () => {
  const { bytes, fingerprint } = smallCheckpoint();
  const u = mulberry32(5);
  for (let i = 0; i < 200; i++) {
    const copy = bytes.slice();
    const at = 8 + Math.floor(u() * (copy.length - 8));
    copy[at] ^= 1 << Math.floor(u() * 8);
    const reason = reasonOf(() => decodeCheckpoint(copy, fingerprint));
    // A flip in the length field reads as a truncation; everywhere else as a bad checksum.
    assert.ok(at >= 32 && at < 40 ? reason === 'truncated' : reason === 'corrupt', `byte ${at}: ${reason}`);
  }
});

test('truncated, empty, foreign, other-version and other-rules checkpoints are refused with their reason', () => {
  const { bytes, fingerprint } = smallCheckpoint();
  assert.equal(
    reasonOf(() => decodeCheckpoint(bytes, fingerprint)),
    'accepted',
  );
  assert.equal(
    reasonOf(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 1), fingerprint)),
    'truncated',
  );
  assert.equal(
    reasonOf(() => decodeCheckpoint(bytes.subarray(0, 512 * 1024 < bytes.length ? 512 * 1024 : 100), fingerprint)),
    'truncated',
  );
  assert.equal(
    reasonOf(() => decodeCheckpoint(new Uint8Array(0), fingerprint)),
    'truncated',
  );
  assert.equal(
    reasonOf(() => decodeCheckpoint(new Uint8Array(CHECKPOINT_HEADER_BYTES + 8).fill(7), fingerprint)),
    'corrupt',
  );
  const v2 = bytes.slice();
  new DataView(v2.buffer).setUint32(4, 2, true);
  assert.equal(
    reasonOf(() => decodeCheckpoint(v2, fingerprint)),
    'version',
  );
  const otherRules = rulesFingerprint([RULES[0]!, { ...RULES[1]!, window: 64 }]);
  assert.equal(
    reasonOf(() => decodeCheckpoint(bytes, otherRules)),
    'rules',
  );
  // Labels and annotations only decorate events: editing them keeps the history.
  assert.equal(rulesFingerprint([{ ...RULES[0]!, labels: { team: 'db' }, annotations: { summary: 'x' } }, RULES[1]!]), fingerprint);
});

test('a sound checkpoint with more series than store.max_series allows is refused as incompatible', () => {
  const { bytes, fingerprint } = smallCheckpoint();
  assert.equal(
    reasonOf(() => restoreEngine(options(50), decodeCheckpoint(bytes, fingerprint))),
    'incompatible',
  );
  assert.equal(
    reasonOf(() => restoreEngine(options(1000), decodeCheckpoint(bytes, fingerprint))),
    'accepted',
  );
});

test('crc32 is the zlib CRC-32, at once and in slices', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  const u = mulberry32(3);
  const bytes = Uint8Array.from({ length: 10_007 }, () => Math.floor(u() * 256));
  let running = 0;
  for (let i = 0; i < bytes.length; i += 997) running = crc32Update(running, bytes.subarray(i, i + 997));
  assert.equal(running, crc32(bytes));
  // Known vectors (zlib.crc32): b"a" and 1 MiB of zeros.
  assert.equal(crc32(new TextEncoder().encode('a')), 0xe8b7be43);
  assert.equal(crc32(new Uint8Array(1 << 20)), 0xa738ea1c);
});
