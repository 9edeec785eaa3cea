/**
 * Every object that deploy/ renders validates, offline, against its Kubernetes JSON schema: the
 * core API's (Deployment, Service, ConfigMap, PodDisruptionBudget) from `kubernetes-models`, the
 * Prometheus Operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule) from
 * `@kubernetes-models/prometheus-operator`, KEDA's ScaledObject from `@kubernetes-models/keda`.
 * They check types, required fields, enums and patterns (a `for: 5 minutes`, a numeric
 * lagThreshold, a port that is not an integer or a name); like the API server's schemas they
 * allow unknown fields, so a misspelt optional field is not caught here (manifests.test.ts checks
 * the fields that matter by name).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { DEPLOY, render, type K8sObject } from './support.js';

/** The packages, as devDependencies; versions for Node.js 20 (5.x and later want Node.js 22). */
const PACKAGES = ['kubernetes-models@4.5.1', '@kubernetes-models/keda@0.4.2', '@kubernetes-models/prometheus-operator@4.4.4'];

/** apiVersion + kind → the module exporting its model class. */
const MODELS: Record<string, string> = {
  'v1/ConfigMap': 'kubernetes-models/v1',
  'v1/Service': 'kubernetes-models/v1',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1',
  'monitoring.coreos.com/v1/ServiceMonitor': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  'monitoring.coreos.com/v1/PodMonitor': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  'monitoring.coreos.com/v1/PrometheusRule': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  'keda.sh/v1alpha1/ScaledObject': '@kubernetes-models/keda/keda.sh/v1alpha1',
};

interface Model {
  apiVersion: string;
  kind: string;
  validate(): void;
}
type ModelClass = new (data: object) => Model;

async function modelClass(apiVersion: string, kind: string): Promise<ModelClass> {
  const specifier = MODELS[`${apiVersion}/${kind}`];
  assert.ok(specifier, `no schema known for ${apiVersion} ${kind}`);
  let module: Record<string, unknown>;
  try {
    // A variable specifier: the packages are loaded at run time only.
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(
      `cannot load ${specifier} (${(error as Error).message.split('\n')[0]}): the schema validation of deploy/ needs the npm packages ` +
        `${PACKAGES.join(' ')} (npm install --save-dev ${PACKAGES.join(' ')})`,
    );
  }
  const cls = module[kind];
  assert.equal(typeof cls, 'function', `${specifier} exports ${kind}`);
  return cls as ModelClass;
}

async function validateAll(objects: readonly K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) {
    const Model = await modelClass(o.apiVersion, o.kind);
    const model = new Model(o);
    // The model must not have replaced what was rendered.
    assert.equal(model.apiVersion, o.apiVersion);
    assert.equal(model.kind, o.kind);
    try {
      model.validate();
    } catch (error) {
      problems.push(`${o.kind} ${o.metadata.name}: ${(error as Error).message}`);
    }
  }
  return problems;
}

for (const dir of ['base', 'overlays/keda', 'overlays/podmonitor', 'overlays/ingest', 'overlays/relay', 'grafana']) {
  test(`deploy/${dir}: every rendered object validates against its schema`, async () => {
    const objects = await render(join(DEPLOY, dir));
    assert.ok(objects.length > 0);
    assert.deepEqual(await validateAll(objects), []);
  });
}

test('the schemas catch what they should (a wrong type, a missing required field, a bad duration)', async () => {
  const objects = await render(join(DEPLOY, 'overlays', 'keda'));
  const copy = (kind: string): K8sObject => structuredClone(objects.find((o) => o.kind === kind)!);
  const deployment = copy('Deployment');
  deployment.spec.template.spec.containers[0].ports[0].containerPort = '9464';
  const noSelector = copy('Deployment');
  delete noSelector.spec.selector;
  const rule = copy('PrometheusRule');
  rule.spec.groups[0].rules[0].for = '15 minutes';
  const scaled = copy('ScaledObject');
  scaled.spec.triggers[0].metadata.lagThreshold = 100000;
  for (const bad of [deployment, noSelector, rule, scaled]) {
    assert.equal((await validateAll([bad])).length, 1, `${bad.kind} with a mistake is refused`);
  }
});
