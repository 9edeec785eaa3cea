import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultConfigPath, RULE_DEFAULTS, type Config } from '../../src/config/index.js';
import { load, yamlFile } from './helpers.js';

test('defaults load from config/default.yaml', () => {
  const c = load();
  assert.deepEqual(c.kafka, {
    brokers: [],
    clientId: 'sigmawatch',
    groupId: 'sigmawatch',
    topics: {
      metrics: 'sigmawatch.metrics',
      alerts: 'sigmawatch.alerts',
      deadLetter: 'sigmawatch.dead-letter',
      changelog: 'sigmawatch.metrics.changelog',
    },
    createTopics: true,
    partitions: 6,
    replicationFactor: 1,
    sessionTimeoutMs: 10000,
    heartbeatIntervalMs: 3000,
    connectTimeoutMs: 15_000,
    delivery: 'at-least-once',
    ssl: false,
    sasl: null,
  });
  assert.deepEqual(c.alerts, { format: 'json', flapWindowMs: 300_000 });
  assert.deepEqual(c.store, { maxSeries: 1_000_000, idleTimeoutMs: 3_600_000, initialCapacity: 1024 });
  assert.deepEqual(c.http, { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(c.health, { stallTimeoutMs: 300_000, publishTimeoutMs: 30_000 });
  assert.deepEqual(c.log, { level: 'info' });
  assert.deepEqual(c.shutdown, { deadlineMs: 10_000 });
  assert.deepEqual(c.rules, [
    {
      name: 'default',
      matchers: [],
      window: 120,
      shortWindow: 30,
      minSamples: 30,
      memory: 3000,
      likelihood: { window: 20, probability: 1e-6, memory: 5000, minSamples: 300 },
      seasonality: { buckets: 24, days: 3, explains: 0.5, memory: 2000 },
      direction: 'both',
      tiers: [{ severity: 'warning', z: 6 }],
      stdFloor: { absolute: 1e-9, relative: 1e-9 },
      multiWindow: false,
      baseline: 'include',
      for: { samples: 0 },
      keepFiringFor: { samples: 100 },
      rearm: 2,
      repeatMs: 0,
      labels: {},
      annotations: {},
    },
  ]);
});

test('the result is deeply frozen', () => {
  const c = load();
  const frozen = (v: unknown, where: string): void => {
    if (typeof v !== 'object' || v === null) return;
    assert.ok(Object.isFrozen(v), `${where} is not frozen`);
    for (const [k, x] of Object.entries(v)) frozen(x, `${where}.${k}`);
  };
  frozen(c, 'config');
  assert.throws(() => {
    (c.http as { port: number }).port = 1;
  }, TypeError);
  assert.throws(() => (c.rules as Config['rules'][number][]).push(c.rules[0]!), TypeError);
});

test('the default rule in default.yaml spells out the rule defaults', () => {
  const spelled = load().rules[0];
  const implied = load({ file: yamlFile('rules: [{name: default}]') }).rules[0];
  assert.deepEqual(implied, spelled);
  assert.equal(spelled!.window, RULE_DEFAULTS.window);
});

test('every key in default.yaml is documented by a comment on its line or above it', () => {
  const lines = readFileSync(defaultConfigPath(), 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!/^\s*(- )?[a-z_]+:/.test(line) || line.includes('#')) return;
    let j = i - 1;
    while (j >= 0 && lines[j]!.trim() === '') j--;
    assert.ok(j >= 0 && lines[j]!.trim().startsWith('#'), `default.yaml line ${i + 1} has no comment: ${line}`);
  });
});

test('a user file merges over the defaults, and its rules replace the default list', () => {
  const file = yamlFile(`
kafka:
  brokers: [a:9092, b:9092]
  topics: {metrics: m}
http:
  port: 0
store:
  idle_timeout: 15m
rules:
  - name: api
    match: {name: http_requests_total}
  - name: rest
`);
  const c = load({ file });
  assert.deepEqual(c.kafka.brokers, ['a:9092', 'b:9092']);
  assert.deepEqual(c.kafka.topics, {
    metrics: 'm',
    alerts: 'sigmawatch.alerts',
    deadLetter: 'sigmawatch.dead-letter',
    changelog: 'm.changelog',
  });
  assert.equal(c.kafka.groupId, 'sigmawatch');
  assert.equal(c.http.port, 0);
  assert.equal(c.http.host, '127.0.0.1');
  assert.equal(c.store.idleTimeoutMs, 900_000);
  assert.deepEqual(
    c.rules.map((r) => r.name),
    ['api', 'rest'],
  );
});

test('an empty file, and keys without a value, change nothing', () => {
  const defaults = load();
  assert.deepEqual(load({ file: yamlFile('') }), defaults);
  assert.deepEqual(load({ file: yamlFile('# nothing\nkafka:\nhttp:\n  port:\n') }), defaults);
});

test('env vars override the file; named vars override the generic form', () => {
  const file = yamlFile('kafka: {brokers: [file:9092], group_id: from-file}\nlog: {level: warn}\nhttp: {port: 1}\n');
  const c = load({
    file,
    env: {
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      SIGMAWATCH_GROUP_ID: '1234',
      SIGMAWATCH_LOG_LEVEL: 'debug',
      SIGMAWATCH_HTTP_PORT: '9000',
      SIGMAWATCH_KAFKA__SESSION_TIMEOUT_MS: '10000',
      SIGMAWATCH_KAFKA__TOPICS__DEAD_LETTER: 'dlq',
      SIGMAWATCH_HTTP__PORT: '8000',
      SIGMAWATCH_RULES__0__Z: '4',
      SIGMAWATCH_SOMETHING_ELSE: 'ignored: not config',
      SIGMAWATCH_STORE__MAX_SERIES: '',
    },
  });
  assert.deepEqual(c.kafka.brokers, ['k1:9092', 'k2:9092']);
  assert.equal(c.kafka.groupId, '1234'); // text, not the number 1234
  assert.equal(c.log.level, 'debug');
  assert.equal(c.http.port, 9000);
  assert.equal(c.kafka.sessionTimeoutMs, 10_000);
  assert.equal(c.kafka.topics.deadLetter, 'dlq');
  assert.equal(c.rules[0]!.tiers[0]!.z, 4);
  assert.equal(c.store.maxSeries, 1_000_000); // empty = unset
});

test('SIGMAWATCH_KAFKA_BROKERS wins over KAFKA_BROKERS', () => {
  const c = load({ env: { KAFKA_BROKERS: 'a:1', SIGMAWATCH_KAFKA_BROKERS: 'b:2,c:3' } });
  assert.deepEqual(c.kafka.brokers, ['b:2', 'c:3']);
});

test('SIGMAWATCH_CONFIG names the file when the caller does not', () => {
  const file = yamlFile('http: {port: 1234}');
  assert.equal(load({ env: { SIGMAWATCH_CONFIG: file } }).http.port, 1234);
  const other = yamlFile('http: {port: 4321}');
  assert.equal(load({ file: other, env: { SIGMAWATCH_CONFIG: file } }).http.port, 4321);
});

test('--set overrides win over env and file; values are read as YAML', () => {
  const file = yamlFile('http: {port: 1}\nrules: [{name: a, window: 60, match: {name: x}}, {name: b, match: {name: y}}]');
  const c = load({
    file,
    env: { SIGMAWATCH_HTTP_PORT: '2' },
    overrides: {
      'http.port': '3',
      'kafka.create_topics': 'false',
      'kafka.brokers': '[x:1, y:2]',
      'kafka.client_id': '"42"',
      'alerts.format': 'msgpack',
      'store.idle_timeout': '2h',
      'rules[0].labels.team': 'db',
      'rules.0.window': 30,
      'rules[1].severities': '[{severity: warning, z: 3}, {severity: critical, z: 6}]',
      'rules[2]': { name: 'c' },
    },
  });
  assert.equal(c.http.port, 3);
  assert.equal(c.kafka.createTopics, false);
  assert.deepEqual(c.kafka.brokers, ['x:1', 'y:2']);
  assert.equal(c.kafka.clientId, '42');
  assert.equal(c.alerts.format, 'msgpack');
  assert.equal(c.store.idleTimeoutMs, 7_200_000);
  assert.deepEqual(c.rules[0]!.labels, { team: 'db' });
  assert.equal(c.rules[0]!.window, 30);
  assert.deepEqual(c.rules[1]!.tiers, [
    { severity: 'warning', z: 3 },
    { severity: 'critical', z: 6 },
  ]);
  assert.equal(c.rules[2]!.name, 'c');
});

test('override values are copied, not frozen in place', () => {
  const labels = { team: 'db' };
  load({ overrides: { 'rules[0].labels': labels } });
  assert.ok(!Object.isFrozen(labels));
});

test('a map given by a flag merges into the map already there', () => {
  const c = load({ overrides: { 'kafka.topics': '{alerts: out}' } });
  assert.deepEqual(c.kafka.topics, {
    metrics: 'sigmawatch.metrics',
    alerts: 'out',
    deadLetter: 'sigmawatch.dead-letter',
    changelog: 'sigmawatch.metrics.changelog',
  });
});

test('config/example.yaml loads', () => {
  const c = load({ file: fileURLToPath(new URL('../../../config/example.yaml', import.meta.url)) });
  assert.equal(c.kafka.groupId, 'sigmawatch-prod');
  assert.equal(c.alerts.format, 'msgpack');
  assert.deepEqual(
    c.rules.map((r) => r.name),
    ['api-5xx', 'batch-queue', 'default'],
  );
  assert.deepEqual(c.rules[0]!.for, { ms: 120_000 });
  assert.deepEqual(c.rules[0]!.keepFiringFor, { samples: 100 });
  assert.deepEqual([c.rules[1]!.memory, c.rules[1]!.window, c.rules[1]!.seasonality], [0, 240, null]);
  assert.equal(c.rules[0]!.repeatMs, 3_600_000);
});

test('SASL credentials from the environment are text, whatever they look like (never parsed as YAML)', () => {
  for (const password of ['123456', 'true', 'a: b', '[x', '#abc', ' padded ']) {
    const c = load({
      env: {
        SIGMAWATCH_KAFKA__SASL__PASSWORD: password,
        SIGMAWATCH_KAFKA__SASL__USERNAME: '007',
        SIGMAWATCH_KAFKA__SASL__MECHANISM: 'plain',
      },
    });
    assert.equal(c.kafka.sasl?.password, password);
    assert.equal(c.kafka.sasl?.username, '007');
  }
});
