/**
 * deploy/overlays/relay: renders with the workers of the base untouched plus a relay Deployment
 * whose config file `sigmawatch config` accepts and which reads the workers' alerts topic on their
 * cluster, whose probes, Service and ServiceMonitor target its port, and which — started with the
 * Deployment's args and env on the test broker, pointed at a real Alertmanager — answers its probes
 * off loopback, delivers an alert and drains within the grace period. Its PrometheusRule names only
 * what the relay's /metrics exposes, passes `promtool check rules`, and each alert fires (and stays
 * quiet) under `promtool test rules`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createRelayMetrics } from '../../src/relay/metrics.js';
import { runCli } from '../support/cli.js';
import { startAlertmanager } from '../support/alertmanager.js';
import { ensureTopic } from '../support/worker.js';
import { alertEvent, amConfig, produceEvents } from '../relay/helpers.js';
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
  type K8sObject,
} from './support.js';
import { checkRules, testRules } from './promtool.js';

const RELAY = join(DEPLOY, 'overlays', 'relay');
const BASE = join(DEPLOY, 'base');

/** The environment of the test process without any SIGMAWATCH_* variable (they would configure the CLI). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SIGMAWATCH_') && k !== 'KAFKA_BROKERS') env[k] = v;
  return env;
}

function loadMounted(t: { after(fn: () => void): void }, objects: readonly K8sObject[], d: K8sObject): { file: string; config: Config } {
  const { key, data } = mountedConfig(objects, d);
  const file = join(tempDir(t, `deploy-${d.metadata.name}`), key);
  writeFileSync(file, data);
  return { file, config: loadConfig({ file, env: {} }) };
}

test('deploy/overlays/relay renders the base untouched plus a relay Deployment with a valid relay config on the workers’ cluster and alerts topic, its probes, Service and ServiceMonitor', async (t) => {
  const [objects, base] = await Promise.all([render(RELAY), render(BASE)]);
  for (const b of base) assert.deepEqual(one(objects, b.kind, b.metadata.name), b, `${b.kind} ${b.metadata.name} as in the base`);
  const relay = one(objects, 'Deployment', 'sigmawatch-relay');
  const c = container(relay);
  assert.deepEqual((c.args as string[]).slice(0, 1), ['relay']);
  const { key, data } = mountedConfig(objects, relay);
  assert.equal(data, readFileSync(join(RELAY, key), 'utf8'), 'the ConfigMap holds the overlay file as it is');

  // `sigmawatch config` accepts the file as the pod will read it (no SIGMAWATCH_* from this process).
  const { file, config } = loadMounted(t, objects, relay);
  const checked = await runCli(['config', '--config', file], { env: cleanEnv() });
  assert.equal(checked.code, 0, `sigmawatch config --config ${key}:\n${checked.stderr}`);
  // What only `relay` demands on top (it exits 2 without an Alertmanager).
  assert.ok(config.relay.alertmanagers.length > 0, 'relay.alertmanagers lists an Alertmanager');

  // The relay reads what the workers write, on their cluster, with their credentials, in a group of its own.
  const { config: worker } = loadMounted(t, objects, one(objects, 'Deployment', 'sigmawatch'));
  assert.deepEqual(config.kafka.topics, worker.kafka.topics, 'same topics (alerts among them) as the workers');
  assert.deepEqual(config.kafka.brokers, worker.kafka.brokers, 'same cluster as the workers');
  assert.deepEqual(config.kafka.sasl, worker.kafka.sasl, 'same SASL mechanism and user as the workers');
  assert.deepEqual(config.kafka.ssl, worker.kafka.ssl, 'same TLS settings as the workers');
  assert.notEqual(config.relay.groupId, worker.kafka.groupId, 'a consumer group of its own');
  assert.deepEqual(
    c.env,
    container(one(objects, 'Deployment', 'sigmawatch')).env,
    'the bind address and SASL secret as the workers get them',
  );

  const port = (c.ports as any[]).find((p) => p.name === 'metrics');
  assert.equal(port.containerPort, config.relay.httpPort, 'the container port is relay.http_port');
  assert.equal(port.containerPort, 9465);
  for (const [probe, path] of [
    [c.livenessProbe, '/healthz'],
    [c.readinessProbe, '/readyz'],
  ] as const) {
    assert.equal(probe.httpGet.path, path);
    assert.equal(probe.httpGet.port, 'metrics', `the ${path} probe targets the metrics port`);
  }
  const grace = relay.spec.template.spec.terminationGracePeriodSeconds as number;
  assert.ok(grace * 1000 > config.shutdown.deadlineMs, `the grace period (${grace} s) is above shutdown.deadline`);
  assert.equal(relay.spec.replicas, 2);
  const pod = relay.spec.template.spec;
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.resources.limits.memory, c.resources.requests.memory, 'memory request = limit');

  const podLabels = relay.spec.template.metadata.labels as Record<string, string>;
  assert.ok(selects(relay.spec.selector.matchLabels, podLabels));
  const service = one(objects, 'Service', 'sigmawatch-relay');
  assert.equal(service.spec.clusterIP, 'None', 'headless');
  assert.ok(selects(service.spec.selector, podLabels), 'the Service selects the relay pods');
  assert.equal(service.spec.ports[0].port, 9465);
  assert.equal(service.spec.ports[0].targetPort, 'metrics');
  const monitor = one(objects, 'ServiceMonitor', 'sigmawatch-relay');
  assert.ok(selects(monitor.spec.selector.matchLabels, service.metadata.labels), 'the ServiceMonitor selects the relay Service');
  assert.equal(monitor.spec.endpoints[0].port, service.spec.ports[0].name, 'the ServiceMonitor scrapes the metrics port');
  // The workers' Service and ServiceMonitor do not pick up relay pods (their metrics would mix).
  assert.ok(!selects(one(objects, 'Service', 'sigmawatch').spec.selector, podLabels));
  assert.ok(!selects(one(objects, 'ServiceMonitor', 'sigmawatch').spec.selector.matchLabels, service.metadata.labels));
  assert.ok(!selects(one(objects, 'PodDisruptionBudget', 'sigmawatch').spec.selector.matchLabels, podLabels));
  assert.ok(selects(one(objects, 'PodDisruptionBudget', 'sigmawatch-relay').spec.selector.matchLabels, podLabels));
});

// ---- The relay's PrometheusRule ----

const RULE_FILE = join(RELAY, 'relay-prometheusrule.yaml');
/** Labels that Prometheus (with the Prometheus Operator's relabelling) adds to every scraped series. */
const TARGET_LABELS = ['namespace', 'job', 'pod', 'instance', 'service', 'container', 'endpoint'];

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

async function relayRules(): Promise<{ name: string; rules: Rule[] }[]> {
  const objects = await render(RELAY);
  const rule = one(objects, 'PrometheusRule', 'sigmawatch-relay');
  // The base's rules stay in the base's object.
  assert.deepEqual(one(objects, 'PrometheusRule', 'sigmawatch'), one(await render(BASE), 'PrometheusRule', 'sigmawatch'));
  return rule.spec.groups;
}

/** The relay's families (name → label names), from a fresh registry as /metrics renders it. */
async function relayFamilies(): Promise<Map<string, Set<string>>> {
  const { registry } = createRelayMetrics(['http://am:9093']);
  const families = new Map<string, Set<string>>();
  for (const m of (await registry.metrics()).matchAll(/^# TYPE (sigmawatch_\S+) (\S+)$/gm)) {
    const metric = registry.getSingleMetric(m[1]!) as unknown as { labelNames?: readonly string[] };
    families.set(m[1]!, new Set(metric.labelNames ?? []));
  }
  assert.ok(families.has('sigmawatch_relay_send_failures_total'), 'the registry exposes the relay families');
  return families;
}

/** Problems with one rule: metric names /metrics lacks, `by` labels no metric of it has, annotations showing labels its result lacks. */
function checkRule(r: Rule, families: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  const labels = new Set(TARGET_LABELS);
  for (const [token] of r.expr.matchAll(/\bsigmawatch_[a-z0-9_]*[a-z0-9]/g)) {
    const family = families.get(token);
    if (family === undefined) problems.push(`${r.alert}: ${token} is not a metric the relay exposes`);
    else for (const l of family) labels.add(l);
  }
  const by = [...r.expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim()));
  for (const l of by) if (!labels.has(l)) problems.push(`${r.alert}: aggregates by ${l}, a label none of its metrics has`);
  for (const a of Object.values(r.annotations ?? {}))
    for (const m of a.matchAll(/\$labels\.([a-zA-Z_]\w*)/g))
      if (!(by.length > 0 ? by : [...labels]).includes(m[1]!)) problems.push(`${r.alert}: shows $labels.${m[1]}, which its result lacks`);
  return problems;
}

test('the relay PrometheusRule names only metrics and labels the relay exposes, also in its comments, and the checker catches a wrong one', async () => {
  const families = await relayFamilies();
  const groups = await relayRules();
  const rules = groups.flatMap((g) => g.rules);
  assert.deepEqual(
    rules.map((r) => r.alert),
    ['SigmawatchRelaySendFailing', 'SigmawatchRelayDroppingAlerts'],
  );
  assert.deepEqual(
    rules.flatMap((r) => checkRule(r, families)),
    [],
  );
  for (const [token] of readFileSync(RULE_FILE, 'utf8').matchAll(/\bsigmawatch_[a-z_]+/g))
    assert.ok(families.has(token), `${token} in the file's text`);
  // The checker itself: a misspelt metric, a label the metric lacks, an annotation label the sum drops.
  const bad: Rule[] = [
    { alert: 'a', expr: 'sum by (job) (rate(sigmawatch_relay_send_failure_total[5m])) > 0' },
    { alert: 'b', expr: 'sum by (partition) (rate(sigmawatch_relay_send_failures_total[5m])) > 0' },
    {
      alert: 'c',
      expr: 'sum by (job) (rate(sigmawatch_relay_send_failures_total[5m])) > 0',
      annotations: { summary: '{{ $labels.target }}' },
    },
  ];
  for (const r of bad) assert.equal(checkRule(r, families).length, 1, `${r.alert}: ${JSON.stringify(checkRule(r, families))}`);
});

test('promtool: the relay rules load, and each alert fires on a relay in trouble and stays quiet on a healthy one', async (t) => {
  const groups = await relayRules();
  const dir = tempDir(t, 'deploy-relay-promtool');
  assert.match(await checkRules(dir, 'relay.rules.yaml', groups), /SUCCESS: 2 rules found/);

  const target = 'http://am-0:9093';
  const labels = { namespace: 'obs', job: 'sigmawatch-relay', pod: 'sigmawatch-relay-0', target };
  const series = (name: string, values: string) => ({
    series: `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`,
    values,
  });
  const healthy = [
    series('sigmawatch_relay_alerts_sent_total', '0+10x60'),
    series('sigmawatch_relay_send_failures_total', '0x60'),
    series('sigmawatch_relay_queue_dropped_total', '0x60'),
  ];
  const firing = (eval_time: string, alertname: string, severity: string) => ({
    eval_time,
    alertname,
    exp_alerts: [{ exp_labels: { namespace: 'obs', job: 'sigmawatch-relay', target, severity } }],
  });
  const quiet = (eval_time: string, alertname: string) => ({ eval_time, alertname, exp_alerts: [] });
  const cases = [
    {
      name: 'healthy',
      input_series: healthy,
      alert_rule_test: [quiet('60m', 'SigmawatchRelaySendFailing'), quiet('60m', 'SigmawatchRelayDroppingAlerts')],
    },
    {
      name: 'an Alertmanager away',
      input_series: [healthy[0]!, series('sigmawatch_relay_send_failures_total', '0+3x60'), healthy[2]!],
      alert_rule_test: [quiet('10m', 'SigmawatchRelaySendFailing'), firing('30m', 'SigmawatchRelaySendFailing', 'warning')],
    },
    {
      name: 'one failed request, then none: no alert',
      input_series: [healthy[0]!, series('sigmawatch_relay_send_failures_total', '0 1x59'), healthy[2]!],
      alert_rule_test: [quiet('30m', 'SigmawatchRelaySendFailing')],
    },
    {
      name: 'the queue overflows',
      input_series: [healthy[0]!, healthy[1]!, series('sigmawatch_relay_queue_dropped_total', '0x20 0+100x39')],
      alert_rule_test: [quiet('20m', 'SigmawatchRelayDroppingAlerts'), firing('25m', 'SigmawatchRelayDroppingAlerts', 'critical')],
    },
  ];
  await testRules(dir, groups, cases);
});

// ---- The relay run as the Deployment runs it ----

test("sigmawatch relay, started with the Deployment's args and env, answers its probes off loopback, delivers to a real Alertmanager and drains within the grace period", async (t) => {
  const brokers = process.env.KAFKA_BROKERS ?? '';
  assert.ok(brokers !== '', 'KAFKA_BROKERS is set (npm test starts a local broker)');
  const objects = await render(RELAY);
  const relay = one(objects, 'Deployment', 'sigmawatch-relay');
  const c = container(relay);
  const { path, key, data } = mountedConfig(objects, relay);
  const file = join(tempDir(t, 'deploy-relay-run'), key);
  writeFileSync(file, data);
  const am = await startAlertmanager(t, amConfig(null));
  const port = await freePort();
  const run = `deploy-relay-${process.pid}-${Date.now()}`;
  const alerts = `${run}.alerts`;
  // Two partitions, as the two replicas would split them (this one relay holds both).
  await ensureTopic(alerts, 2);
  // Only where the test's cluster differs from the manifest's: broker, topic, group, Alertmanager, port.
  const env = podEnv(c, {
    KAFKA_BROKERS: brokers,
    SIGMAWATCH_KAFKA__TOPICS__ALERTS: alerts,
    SIGMAWATCH_RELAY__GROUP_ID: run,
    SIGMAWATCH_RELAY__ALERTMANAGERS: am.url,
    SIGMAWATCH_RELAY__HTTP_PORT: String(port),
  });
  const relayProcess = new ContainerProcess(t, 'relay', localArgs(c, path, file), env);
  const base = `http://${podAddress() ?? '127.0.0.1'}:${port}`;
  await relayProcess.until(`200 from ${base}/healthz`, async () => (await probeStatus(`${base}/healthz`)) === 200, 30_000);
  await relayProcess.until(`200 from ${base}/readyz`, async () => (await probeStatus(`${base}/readyz`)) === 200, 90_000);

  // An alert event on the topic reaches the Alertmanager (every change is sent at once).
  await produceEvents(alerts, [alertEvent({ rule: 'latency', labels: { instance: run } })]);
  await am.waitForAlerts(
    (as) => as.some((a) => a.labels.instance === run && a.labels.alertname === 'latency'),
    20_000,
    'the alert in Alertmanager',
  );
  const metrics = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
  assert.match(metrics, /^sigmawatch_relay_firing_alerts 1$/m);

  const grace = relay.spec.template.spec.terminationGracePeriodSeconds as number;
  const { code, ms } = await relayProcess.terminate();
  assert.equal(code, 0, `clean exit after SIGTERM:\n${relayProcess.output}`);
  assert.ok(ms < grace * 1000, `drained within the grace period of ${grace} s (took ${ms} ms)`);
  t.diagnostic(`SIGTERM to exit: ${ms} ms`);
});
