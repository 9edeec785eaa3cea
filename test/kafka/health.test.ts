import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerHealth } from '../../src/kafka/health.js';

const STALL = 60_000;
const PUBLISH = 10_000;

function probes() {
  let now = 1_000_000;
  const health = new WorkerHealth({ stallTimeoutMs: STALL, publishTimeoutMs: PUBLISH, now: () => now });
  return { health, advance: (ms: number) => (now += ms) };
}

test('readiness: not ready before the first join; a member without partitions (a spare replica) is ready', () => {
  const { health } = probes();
  assert.equal(health.readiness().ok, false);
  health.joined([]);
  assert.equal(health.readiness().ok, true);
  assert.deepEqual(health.readiness().detail, { joined: true, assignedPartitions: 0, stopping: false });
});

test('readiness: out of the group after a consumer crash until it joins again; never ready once stopping', () => {
  const { health } = probes();
  health.joined([0, 1]);
  health.left();
  assert.equal(health.readiness().ok, false);
  health.joined([0]);
  assert.equal(health.readiness().ok, true);
  health.stop();
  assert.equal(health.readiness().ok, false);
  health.joined([0]);
  assert.equal(health.readiness().ok, false, 'a stopping worker that rejoins is still stopping');
});

test('readiness: a publish blocked past publish_timeout fails it, with how long; it passes once the publish goes through', () => {
  const { health, advance } = probes();
  health.joined([0]);
  health.publishStarted();
  advance(PUBLISH);
  assert.equal(health.readiness().ok, true, 'at the timeout exactly, still ready');
  advance(1);
  const r = health.readiness();
  assert.equal(r.ok, false);
  assert.equal((r.detail as { publishBlockedMs: number }).publishBlockedMs, PUBLISH + 1);
  health.publishFinished();
  assert.equal(health.readiness().ok, true);
});

test('liveness: an idle worker (nothing waiting) stays live however long no batch comes', () => {
  const { health, advance } = probes();
  health.joined([0, 1]);
  health.batchStarted();
  health.batchFinished(0, 0);
  advance(10 * STALL);
  assert.equal(health.liveness().ok, true);
});

test('liveness: records waiting and no batch for stall_timeout fail it; the next batch heals it', () => {
  const { health, advance } = probes();
  health.joined([0]);
  health.batchStarted();
  health.batchFinished(0, 500);
  advance(STALL);
  assert.equal(health.liveness().ok, true);
  advance(1);
  const r = health.liveness();
  assert.equal(r.ok, false);
  assert.deepEqual(r.detail, { stalled: 'no batch', recordsWaiting: 500, sinceMs: STALL + 1, stallTimeoutMs: STALL });
  health.batchStarted();
  health.batchFinished(0, 0);
  assert.equal(health.liveness().ok, true, 'progress resumed: live again');
});

test('liveness: a crash that kafkajs recovers from does not fail it (only lack of progress does)', () => {
  const { health, advance } = probes();
  health.joined([0]);
  health.batchStarted();
  health.batchFinished(0, 100);
  health.left();
  advance(STALL / 2);
  assert.equal(health.liveness().ok, true);
  health.joined([0]);
  advance(STALL / 2 + 1);
  assert.equal(health.liveness().ok, true, 'the rejoin restarts the clock of no progress');
});

test('liveness: a batch held past stall_timeout fails it even when nothing else waits', () => {
  const { health, advance } = probes();
  health.joined([3]);
  health.batchStarted();
  advance(STALL + 1);
  assert.equal(health.liveness().ok, false);
  assert.equal((health.liveness().detail as { stalled: string }).stalled, 'batch');
  health.batchFinished(3, 0);
  assert.equal(health.liveness().ok, true);
});

test('liveness: lag of partitions given away no longer counts', () => {
  const { health, advance } = probes();
  health.joined([0, 1]);
  health.batchStarted();
  health.batchFinished(1, 1000);
  health.joined([0]);
  advance(STALL + 1);
  assert.equal(health.liveness().ok, true);
});
