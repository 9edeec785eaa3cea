/**
 * deploy/overlays/ingest: renders with the workers of the base untouched plus an ingest Deployment
 * whose config file is valid for `sigmawatch ingest`, whose probes and scrape target its port, and
 * which — started with the Deployment's args and env on the test broker — answers its probes off
 * loopback and drains within the grace period.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { checkIngestConfig } from '../../src/cli/ingest.js';
import { ensureTopic } from '../support/worker.js';
import {
  ContainerProcess,
  DEPLOY,
  container,
  freePort,
  localArgs,
  mountedConfig,
  one,
  podAddress,
  podEnv,
  probeStatus,
  render,
  selects,
  tempDir,
} from './support.js';

const INGEST = join(DEPLOY, 'overlays', 'ingest');
const BASE = join(DEPLOY, 'base');

test('deploy/overlays/ingest renders the base untouched plus an ingest Deployment with a valid ingest config, its probes, Service and ServiceMonitor', async (t) => {
  const [objects, base] = await Promise.all([render(INGEST), render(BASE)]);
  // Every object of the base is there as the base renders it.
  for (const b of base) assert.deepEqual(one(objects, b.kind, b.metadata.name), b, `${b.kind} ${b.metadata.name} as in the base`);
  const ingest = one(objects, 'Deployment', 'sigmawatch-ingest');
  const c = container(ingest);
  assert.deepEqual((c.args as string[]).slice(0, 1), ['ingest']);
  const { key, data } = mountedConfig(objects, ingest);
  assert.equal(data, readFileSync(join(INGEST, key), 'utf8'), 'the ConfigMap holds the overlay file as it is');
  const file = join(tempDir(t, 'deploy-ingest'), key);
  writeFileSync(file, data);
  const config = loadConfig({ file, env: {} });
  checkIngestConfig(config, false);
  assert.ok(config.ingest.topics.length > 0);
  // The workers read what ingest writes.
  const { data: workerData } = mountedConfig(objects, one(objects, 'Deployment', 'sigmawatch'));
  const workerFile = join(tempDir(t, 'deploy-worker'), 'w.yaml');
  writeFileSync(workerFile, workerData);
  const worker = loadConfig({ file: workerFile, env: {} });
  assert.deepEqual(config.kafka.topics, worker.kafka.topics, 'same metrics and dead-letter topics as the workers');
  assert.deepEqual(config.kafka.brokers, worker.kafka.brokers, 'same cluster as the workers');

  const port = (c.ports as any[]).find((p) => p.name === 'metrics');
  assert.equal(port.containerPort, config.ingest.httpPort, 'the container port is ingest.http_port');
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  const grace = ingest.spec.template.spec.terminationGracePeriodSeconds as number;
  assert.ok(grace * 1000 > config.shutdown.deadlineMs, 'the grace period is above shutdown.deadline');
  const podLabels = ingest.spec.template.metadata.labels as Record<string, string>;
  assert.ok(selects(ingest.spec.selector.matchLabels, podLabels));
  const service = one(objects, 'Service', 'sigmawatch-ingest');
  assert.ok(selects(service.spec.selector, podLabels), 'the Service selects the ingest pods');
  assert.equal(service.spec.ports[0].targetPort, 'metrics');
  const monitor = one(objects, 'ServiceMonitor', 'sigmawatch-ingest');
  assert.ok(selects(monitor.spec.selector.matchLabels, service.metadata.labels), 'the ServiceMonitor selects the ingest Service');
  // The workers' Service and ServiceMonitor do not pick up ingest pods (their metrics would mix).
  assert.ok(!selects(one(objects, 'Service', 'sigmawatch').spec.selector, podLabels));
  assert.ok(!selects(one(objects, 'ServiceMonitor', 'sigmawatch').spec.selector.matchLabels, service.metadata.labels));
  assert.ok(selects(one(objects, 'PodDisruptionBudget', 'sigmawatch-ingest').spec.selector.matchLabels, podLabels));
});

test("sigmawatch ingest, started with the Deployment's args and env, answers its probes off loopback and drains within the grace period", async (t) => {
  const brokers = process.env.KAFKA_BROKERS ?? '';
  assert.ok(brokers !== '', 'KAFKA_BROKERS is set (npm test starts a local broker)');
  const objects = await render(INGEST);
  const ingest = one(objects, 'Deployment', 'sigmawatch-ingest');
  const c = container(ingest);
  const { path, key, data } = mountedConfig(objects, ingest);
  const file = join(tempDir(t, 'deploy-ingest-run'), key);
  writeFileSync(file, data);
  const port = await freePort();
  const run = `deploy-ingest-${process.pid}-${Date.now()}`;
  await ensureTopic(`${run}.in`, 2);
  const env = podEnv(c, {
    KAFKA_BROKERS: brokers,
    SIGMAWATCH_KAFKA__CREATE_TOPICS: 'true',
    SIGMAWATCH_KAFKA__TOPICS__METRICS: `${run}.metrics`,
    SIGMAWATCH_KAFKA__TOPICS__DEAD_LETTER: `${run}.dead-letter`,
    SIGMAWATCH_INGEST__GROUP_ID: run,
    SIGMAWATCH_INGEST__TOPICS: `[{topic: ${run}.in, format: prometheus-kafka-adapter}]`,
    SIGMAWATCH_INGEST__HTTP_PORT: String(port),
  });
  const ingestProcess = new ContainerProcess(t, 'ingest', localArgs(c, path, file), env);
  const base = `http://${podAddress() ?? '127.0.0.1'}:${port}`;
  await ingestProcess.until(`200 from ${base}/healthz`, async () => (await probeStatus(`${base}/healthz`)) === 200, 30_000);
  await ingestProcess.until(`200 from ${base}/readyz`, async () => (await probeStatus(`${base}/readyz`)) === 200, 90_000);
  const grace = ingest.spec.template.spec.terminationGracePeriodSeconds as number;
  const { code, ms } = await ingestProcess.terminate();
  assert.equal(code, 0, `clean exit after SIGTERM:\n${ingestProcess.output}`);
  assert.ok(ms < grace * 1000, `drained within the grace period of ${grace} s`);
});
