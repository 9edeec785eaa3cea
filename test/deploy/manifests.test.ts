/**
 * deploy/: the kustomizations render (`kubectl kustomize`), and the rendered objects hang
 * together: selectors select the pods, probes and monitors point at the metrics port that the
 * worker really listens on, the grace period outlasts the shutdown deadline, the config file in
 * the ConfigMap loads with sigmawatch's own loader, KEDA's trigger names the same group and
 * topic, and the worker started with the Deployment's arguments and environment answers its
 * probes and drains within the grace period. (Schemas: schema.test.ts; PromQL: promql.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';

import { loadConfig, parseDuration, type Config } from '../../src/config/index.js';
import {
  ContainerProcess,
  DEPLOY,
  ROOT,
  freePort,
  literalEnv,
  localArgs,
  one,
  podAddress,
  podEnv,
  render,
  selects,
  tempDir,
  type K8sObject,
} from './support.js';

const BASE = join(DEPLOY, 'base');
const KEDA = join(DEPLOY, 'overlays', 'keda');
const PODMONITOR = join(DEPLOY, 'overlays', 'podmonitor');
const GRAFANA = join(DEPLOY, 'grafana');

/** Every kind deploy/ may render, by apiVersion. */
const KNOWN_KINDS: Record<string, readonly string[]> = {
  v1: ['ConfigMap', 'Service'],
  'apps/v1': ['Deployment'],
  'policy/v1': ['PodDisruptionBudget'],
  'monitoring.coreos.com/v1': ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'],
  'keda.sh/v1alpha1': ['ScaledObject'],
};

/** The worker's container. */
function container(deployment: K8sObject): any {
  const containers = deployment.spec.template.spec.containers as any[];
  assert.equal(containers.length, 1, 'one container');
  return containers[0];
}

/** The container's `--config` path. */
function configPath(c: any): string {
  const args = c.args as string[];
  const i = args.indexOf('--config');
  assert.ok(i >= 0 && i + 1 < args.length, `container args pass --config FILE: ${JSON.stringify(args)}`);
  return args[i + 1]!;
}

/** The ConfigMap mounted at the directory of `path`, and the key holding the file. */
function mountedConfigMap(objects: readonly K8sObject[], deployment: K8sObject, path: string): { configMap: K8sObject; key: string } {
  const c = container(deployment);
  const mount = (c.volumeMounts as any[]).find((m) => path.startsWith(`${m.mountPath}/`));
  assert.ok(mount, `a volume is mounted where --config ${path} points`);
  const volume = (deployment.spec.template.spec.volumes as any[]).find((v) => v.name === mount.name);
  assert.ok(volume?.configMap, `volume ${mount.name} is a ConfigMap`);
  const configMap = one(objects, 'ConfigMap', volume.configMap.name);
  const key = path.slice(mount.mountPath.length + 1);
  assert.equal(typeof configMap.data?.[key], 'string', `ConfigMap ${configMap.metadata.name} has the key ${key}`);
  return { configMap, key };
}

/**
 * The configuration the worker would run with: the mounted file, loaded by sigmawatch's own
 * loader with the container's literal environment (and a stand-in for the Secret's password).
 */
function effectiveConfig(t: { after(fn: () => void): void }, objects: readonly K8sObject[]): Config {
  const deployment = one(objects, 'Deployment');
  const path = configPath(container(deployment));
  const { configMap, key } = mountedConfigMap(objects, deployment, path);
  const dir = tempDir(t, 'deploy-config');
  const file = join(dir, key);
  writeFileSync(file, configMap.data[key]);
  return loadConfig({ file, env: { ...literalEnv(container(deployment)), SIGMAWATCH_KAFKA__SASL__PASSWORD: 'from-the-secret' } });
}

/** config/default.yaml's shutdown.deadline, in ms. */
function defaultDeadlineMs(): number {
  const defaults = parseYaml(readFileSync(join(ROOT, 'config', 'default.yaml'), 'utf8')) as { shutdown: { deadline: string } };
  const ms = parseDuration(String(defaults.shutdown.deadline));
  assert.ok(ms !== undefined && ms > 0, `config/default.yaml: shutdown.deadline ${defaults.shutdown.deadline} is a duration`);
  return ms;
}

function checkObjectsKnown(objects: readonly K8sObject[]): void {
  const seen = new Set<string>();
  for (const o of objects) {
    assert.ok(KNOWN_KINDS[o.apiVersion]?.includes(o.kind), `unexpected ${o.apiVersion} ${o.kind}`);
    assert.match(o.metadata?.name ?? '', /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, `${o.kind} has a DNS-1123 name`);
    assert.equal(
      o.metadata.labels?.['app.kubernetes.io/name'],
      'sigmawatch',
      `${o.kind} ${o.metadata.name} is labelled app.kubernetes.io/name=sigmawatch`,
    );
    const id = `${o.kind}/${o.metadata.name}`;
    assert.ok(!seen.has(id), `${id} rendered once`);
    seen.add(id);
  }
}

/** The checks every rendering of the base must pass. */
function checkWorker(t: { after(fn: () => void): void }, objects: readonly K8sObject[]): Config {
  checkObjectsKnown(objects);
  const deployment = one(objects, 'Deployment', 'sigmawatch');
  const spec = deployment.spec;
  const pod = spec.template;
  const podLabels = pod.metadata.labels as Record<string, string>;
  assert.ok(selects(spec.selector.matchLabels, podLabels), 'the Deployment selects its own pods');

  const c = container(deployment);
  assert.ok(typeof c.image === 'string' && c.image.length > 0, 'an image');
  assert.equal(c.args[0], 'run', 'the container runs `sigmawatch run`');

  const config = effectiveConfig(t, objects);
  assert.equal(config.http.host, '0.0.0.0', 'the worker binds every interface (SIGMAWATCH_HTTP__HOST)');
  assert.deepEqual(literalEnv(c).SIGMAWATCH_HTTP__HOST, '0.0.0.0');
  assert.ok(config.kafka.brokers.length > 0, 'brokers are configured (run refuses to start without)');

  // The metrics port: named, and the one the worker listens on.
  const metricsPort = (c.ports as any[]).find((p) => p.name === 'metrics');
  assert.ok(metricsPort, 'a container port named metrics');
  assert.equal(metricsPort.containerPort, config.http.port, 'the metrics port is http.port of the effective config');

  // Probes: HTTP GETs of /healthz and /readyz on that port.
  for (const [probe, path] of [
    ['livenessProbe', '/healthz'],
    ['readinessProbe', '/readyz'],
  ] as const) {
    const p = c[probe];
    assert.ok(p?.httpGet, `${probe} is an HTTP GET`);
    assert.equal(p.httpGet.path, path, `${probe} path`);
    assert.ok(
      p.httpGet.port === 'metrics' || p.httpGet.port === config.http.port,
      `${probe} targets the metrics port, got ${p.httpGet.port}`,
    );
  }

  // The SASL password: from a Secret, through the variable the README documents.
  const password = (c.env as any[]).find((e) => e.name === 'SIGMAWATCH_KAFKA__SASL__PASSWORD');
  assert.ok(
    password?.valueFrom?.secretKeyRef?.name && password.valueFrom.secretKeyRef.key,
    'SIGMAWATCH_KAFKA__SASL__PASSWORD comes from a Secret',
  );

  // Shutdown: the kubelet's SIGKILL must come after the worker's own deadline.
  const grace = pod.spec.terminationGracePeriodSeconds as number;
  assert.equal(typeof grace, 'number', 'terminationGracePeriodSeconds is set');
  const deadlineMs = Math.max(config.shutdown.deadlineMs, defaultDeadlineMs());
  assert.ok(grace * 1000 > deadlineMs, `terminationGracePeriodSeconds ${grace} s > shutdown.deadline ${deadlineMs} ms`);

  // Hardening.
  const podSecurity = pod.spec.securityContext ?? {};
  const security = c.securityContext ?? {};
  assert.equal(podSecurity.runAsNonRoot ?? security.runAsNonRoot, true, 'runAsNonRoot');
  assert.ok(
    Number.isInteger(podSecurity.runAsUser ?? security.runAsUser) && (podSecurity.runAsUser ?? security.runAsUser) > 0,
    'a numeric non-root user',
  );
  assert.equal(security.readOnlyRootFilesystem, true, 'read-only root filesystem');
  assert.equal(security.allowPrivilegeEscalation, false, 'no privilege escalation');
  assert.deepEqual(security.capabilities?.drop, ['ALL'], 'every capability dropped');

  // Memory: requested and limited (the store is bounded by store.max_series, not by the heap).
  const memory = (q: string) => {
    const m = /^(\d+)(Mi|Gi)$/.exec(q);
    assert.ok(m, `memory quantity ${q} in Mi or Gi`);
    return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
  };
  assert.ok(memory(c.resources.limits.memory) >= memory(c.resources.requests.memory), 'memory limit >= request');

  // The PodDisruptionBudget, the Service and the monitors select what they should.
  const pdb = one(objects, 'PodDisruptionBudget');
  assert.ok(selects(pdb.spec.selector.matchLabels, podLabels), 'the PodDisruptionBudget selects the worker pods');
  assert.ok(pdb.spec.maxUnavailable !== undefined || pdb.spec.minAvailable !== undefined, 'the PodDisruptionBudget sets a bound');

  const service = one(objects, 'Service');
  assert.ok(selects(service.spec.selector, podLabels), 'the Service selects the worker pods');
  const servicePort = (service.spec.ports as any[]).find((p) => p.name === 'metrics');
  assert.ok(servicePort, 'the Service has a port named metrics');
  assert.ok(servicePort.targetPort === 'metrics' || servicePort.targetPort === config.http.port, 'the Service targets the metrics port');

  const monitors = objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor');
  assert.equal(
    monitors.length,
    1,
    `exactly one of ServiceMonitor and PodMonitor (both would scrape every pod twice), got ${monitors.map((m) => m.kind).join(', ')}`,
  );
  const monitor = monitors[0]!;
  if (monitor.kind === 'ServiceMonitor') {
    assert.ok(selects(monitor.spec.selector.matchLabels, service.metadata.labels), 'the ServiceMonitor selects the Service');
    for (const e of monitor.spec.endpoints as any[]) {
      assert.equal(e.port, servicePort.name, 'the ServiceMonitor scrapes the metrics port');
      assert.equal(e.path ?? '/metrics', '/metrics');
    }
  } else {
    assert.ok(selects(monitor.spec.selector.matchLabels, podLabels), 'the PodMonitor selects the worker pods');
    for (const e of monitor.spec.podMetricsEndpoints as any[]) {
      assert.equal(e.port, metricsPort.name, 'the PodMonitor scrapes the metrics port');
      assert.equal(e.path ?? '/metrics', '/metrics');
    }
  }

  const rules = one(objects, 'PrometheusRule');
  const alerts = (rules.spec.groups as any[]).flatMap((g) => g.rules as any[]);
  assert.ok(alerts.length > 0, 'the PrometheusRule has rules');
  for (const r of alerts) {
    assert.match(r.alert ?? '', /^Sigmawatch[A-Za-z]+$/, 'alert names start with Sigmawatch');
    assert.ok(typeof r.expr === 'string' && r.expr.trim() !== '', `${r.alert}: an expression`);
    assert.ok(['warning', 'critical'].includes(r.labels?.severity), `${r.alert}: severity warning or critical`);
    assert.ok(r.annotations?.summary && r.annotations?.description, `${r.alert}: summary and description`);
  }
  return config;
}

test('deploy/base renders and hangs together', async (t) => {
  const objects = await render(BASE);
  const config = checkWorker(t, objects);
  assert.deepEqual(objects.map((o) => o.kind).sort(), [
    'ConfigMap',
    'Deployment',
    'PodDisruptionBudget',
    'PrometheusRule',
    'Service',
    'ServiceMonitor',
  ]);
  const deployment = one(objects, 'Deployment');
  assert.ok(deployment.spec.replicas >= 1 && deployment.spec.replicas <= config.kafka.partitions, 'replicas within the partition count');
  // The generated ConfigMap's name carries a content hash, and the Deployment follows it.
  assert.match(one(objects, 'ConfigMap').metadata.name, /^sigmawatch-config-[a-z0-9]+$/);
  // The ConfigMap holds deploy/base/sigmawatch.yaml as it is.
  assert.equal(one(objects, 'ConfigMap').data['sigmawatch.yaml'], readFileSync(join(BASE, 'sigmawatch.yaml'), 'utf8'));
});

test('deploy/overlays/keda renders: the ScaledObject scales the worker on its own group and topic, up to the partitions', async (t) => {
  const objects = await render(KEDA);
  const config = checkWorker(t, objects);
  const deployment = one(objects, 'Deployment');
  assert.equal(deployment.spec.replicas, undefined, 'the HPA owns the replica count: no replicas in the Deployment');
  const so = one(objects, 'ScaledObject');
  assert.equal(so.spec.scaleTargetRef.name, deployment.metadata.name, 'the ScaledObject scales the Deployment');
  assert.ok(so.spec.minReplicaCount >= 1, 'never scaled to zero');
  assert.ok(so.spec.maxReplicaCount >= so.spec.minReplicaCount, 'max >= min');
  assert.ok(
    so.spec.maxReplicaCount <= config.kafka.partitions,
    `maxReplicaCount ${so.spec.maxReplicaCount} <= partitions ${config.kafka.partitions}`,
  );

  const triggers = so.spec.triggers as any[];
  assert.equal(triggers.length, 1);
  const kafka = triggers[0];
  assert.equal(kafka.type, 'kafka');
  assert.equal(kafka.metadata.consumerGroup, config.kafka.groupId, "the trigger watches the workers' group");
  assert.equal(kafka.metadata.topic, config.kafka.topics.metrics, 'the trigger watches the metrics topic');
  assert.deepEqual(String(kafka.metadata.bootstrapServers).split(','), [...config.kafka.brokers], 'the trigger asks the same brokers');
  assert.match(String(kafka.metadata.lagThreshold), /^[1-9]\d*$/, 'lagThreshold is a positive integer (as a string)');
  assert.notEqual(kafka.metadata.allowIdleConsumers, 'true', 'no replicas beyond the partitions');

  const behavior = so.spec.advanced.horizontalPodAutoscalerConfig.behavior;
  // A scale-down moves partitions and their series relearn: not more often than a relearn takes.
  assert.ok(
    behavior.scaleDown.stabilizationWindowSeconds >= 900,
    `scale-down stabilisation ${behavior.scaleDown.stabilizationWindowSeconds} s >= 15 min`,
  );
  for (const p of behavior.scaleDown.policies as any[]) assert.ok(p.type !== 'Pods' || p.value === 1, 'scale down one pod at a time');
});

test('deploy/overlays/podmonitor renders with a PodMonitor instead of the ServiceMonitor', async (t) => {
  const objects = await render(PODMONITOR);
  checkWorker(t, objects);
  one(objects, 'PodMonitor');
});

test('the podmonitor component composes with the keda overlay', async (t) => {
  const dir = tempDir(t, 'deploy-compose');
  // kustomize wants relative paths to the overlay and the component.
  const rel = (p: string) => relative(dir, p).split('\\').join('/');
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [${rel(KEDA)}]\ncomponents: [${rel(join(DEPLOY, 'components', 'podmonitor'))}]\n`,
  );
  const objects = await render(dir);
  checkWorker(t, objects);
  one(objects, 'PodMonitor');
  one(objects, 'ScaledObject');
});

test('deploy/grafana renders the dashboard as a ConfigMap for the Grafana sidecar', async () => {
  const objects = await render(GRAFANA);
  const cm = one(objects, 'ConfigMap');
  assert.equal(cm.metadata.labels?.grafana_dashboard, '1');
  assert.equal(cm.data['sigmawatch.json'], readFileSync(join(DEPLOY, 'grafana', 'sigmawatch.json'), 'utf8'));
});

async function get(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

test("the worker, started with the Deployment's args and env, answers its probes off loopback and drains within the grace period", async (t) => {
  const brokers = process.env.KAFKA_BROKERS ?? '';
  assert.ok(brokers !== '', 'KAFKA_BROKERS is set (npm test starts a local broker)');
  const objects = await render(BASE);
  const deployment = one(objects, 'Deployment');
  const c = container(deployment);
  const path = configPath(c);
  const { configMap, key } = mountedConfigMap(objects, deployment, path);
  const dir = tempDir(t, 'deploy-worker');
  const file = join(dir, key);
  writeFileSync(file, configMap.data[key]);

  const port = await freePort();
  const run = `deploy-${process.pid}-${Date.now()}`;
  // The container's environment, plus what the test cluster differs in: the brokers, fresh topics
  // and group (created here), and a free port instead of 9464 (tests run side by side).
  const env = podEnv(c, {
    KAFKA_BROKERS: brokers,
    SIGMAWATCH_KAFKA__CREATE_TOPICS: 'true',
    SIGMAWATCH_KAFKA__PARTITIONS: '2',
    SIGMAWATCH_KAFKA__TOPICS__METRICS: `${run}.metrics`,
    SIGMAWATCH_KAFKA__TOPICS__ALERTS: `${run}.alerts`,
    SIGMAWATCH_KAFKA__TOPICS__DEAD_LETTER: `${run}.dead-letter`,
    SIGMAWATCH_GROUP_ID: run,
    SIGMAWATCH_HTTP__PORT: String(port),
  });
  const worker = new ContainerProcess(t, 'the worker', localArgs(c, path, file), env);

  const host = podAddress() ?? '127.0.0.1';
  const base = `http://${host}:${port}`;
  await worker.until(`200 from ${base}/healthz`, async () => (await get(`${base}/healthz`))?.status === 200, 30_000);
  assert.match(worker.output, /"host":"0\.0\.0\.0"/, 'the worker logged that it listens on 0.0.0.0');
  await worker.until(`200 from ${base}/readyz`, async () => (await get(`${base}/readyz`))?.status === 200, 90_000);
  const metrics = await get(`${base}/metrics`);
  assert.equal(metrics?.status, 200);
  assert.match(metrics!.body, /^sigmawatch_assigned_partitions 2$/m, 'the one worker holds both partitions');

  // SIGTERM as the kubelet sends it: a clean exit well within terminationGracePeriodSeconds.
  const grace = deployment.spec.template.spec.terminationGracePeriodSeconds as number;
  const { code, ms: tookMs } = await worker.terminate();
  assert.equal(code, 0, `clean exit after SIGTERM:\n${worker.output}`);
  assert.ok(tookMs < grace * 1000, `drained in ${tookMs} ms < grace period ${grace} s`);
});
