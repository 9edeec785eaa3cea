/** Each message is pinned: it is the user interface of a configuration mistake. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/index.js';
import { errorLines, fileError, load, yamlFile } from './helpers.js';

test('ConfigError carries exit code 2 and one issue per line', () => {
  const file = yamlFile('http: {port: -1}\nlog: {level: loud}\n');
  assert.throws(
    () => load({ file }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.exitCode, 2);
      assert.equal(err.name, 'ConfigError');
      assert.deepEqual(
        err.issues.map((i) => [i.path, i.source]),
        [
          [['http', 'port'], `${file}:1:14`],
          [['log', 'level'], `${file}:2:14`],
        ],
      );
      return true;
    },
  );
});

test('bad window', () => {
  assert.equal(
    fileError('rules: [{name: a, window: 1.5}]'),
    'FILE:1:27: rules[0].window must be an integer from 2 to 65535, got 1.5 (number)',
  );
  assert.equal(
    fileError('rules:\n  - name: a\n    window: "120"\n'),
    'FILE:3:13: rules[0].window must be an integer from 2 to 65535, got "120" (string)',
  );
});

test('short_window ≥ window', () => {
  assert.equal(
    fileError('rules: [{name: a, window: 20, short_window: 20}]'),
    'FILE:1:45: rules[0].short_window must be less than window (20), got 20 (number)',
  );
  // Against the default window when the rule does not set one.
  assert.equal(
    fileError('rules: [{name: a, short_window: 500}]'),
    'FILE:1:33: rules[0].short_window must be less than window (120), got 500 (number)',
  );
});

test('min_samples beyond the window', () => {
  assert.equal(
    fileError('rules: [{name: a, window: 5, min_samples: 6}]'),
    'FILE:1:43: rules[0].min_samples must be an integer from 2 to window (5), got 6 (number)',
  );
});

test('unknown keys, with a suggestion when one is close', () => {
  assert.equal(
    fileError('rules:\n  - name: a\n    windw: 30\n'),
    'FILE:3:5: rules[0].windw is not a known key (did you mean window?); allowed: name, kind, match, window, short_window, min_samples, memory, likelihood, seasonality, z, severity, severities, direction, std_floor, multi_window, baseline, for, keep_firing_for, rearm, repeat, escalate, labels, annotations',
  );
  assert.equal(
    fileError('kafak: {}\n'),
    'FILE:1:1: kafak is not a known key (did you mean kafka?); allowed: kafka, alerts, store, http, health, log, shutdown, relay, checkpoint, ingest, rules',
  );
  assert.equal(
    fileError('kafka:\n  groupId: x\n'),
    'FILE:2:3: kafka.groupId is not a known key (did you mean group_id?); allowed: brokers, client_id, group_id, topics, create_topics, partitions, replication_factor, session_timeout_ms, heartbeat_interval_ms, connect_timeout, delivery, ssl, sasl',
  );
  assert.equal(fileError('http: {threads: 4}'), 'FILE:1:8: http.threads is not a known key; allowed: host, port');
});

test('bad enum values', () => {
  assert.equal(
    fileError('rules: [{name: a, direction: sideways}]'),
    'FILE:1:30: rules[0].direction must be one of up, down, both, got "sideways" (string)',
  );
  assert.equal(fileError('alerts: {format: xml}'), 'FILE:1:18: alerts.format must be one of json, msgpack, got "xml" (string)');
  assert.equal(
    fileError('log: {level: verbose}'),
    'FILE:1:14: log.level must be one of trace, debug, info, warn, error, fatal, silent, got "verbose" (string)',
  );
  assert.equal(fileError('kafka: {create_topics: yes}'), 'FILE:1:24: kafka.create_topics must be true or false, got "yes" (string)');
});

test('bad durations', () => {
  assert.equal(
    fileError('store: {idle_timeout: 10 minutes}'),
    'FILE:1:23: store.idle_timeout must be a positive duration like 250ms, 30s, 5m, 1h30m (units w, d, h, m, s, ms), got "10 minutes" (string)',
  );
  assert.equal(
    fileError('shutdown: {deadline: 0s}'),
    'FILE:1:22: shutdown.deadline must be a positive duration like 250ms, 30s, 5m, 1h30m (units w, d, h, m, s, ms), got "0s" (string)',
  );
  assert.equal(
    fileError('rules: [{name: a, repeat: 5}]'),
    'FILE:1:27: rules[0].repeat must be a duration like 250ms, 30s, 5m, 1h30m (units w, d, h, m, s, ms), or 0, got 5 (number)',
  );
  assert.equal(
    fileError('rules: [{name: a, for: 5 minutes}]'),
    'FILE:1:24: rules[0].for must be a number of consecutive samples (an integer ≥ 0) or a duration like 250ms, 30s, 5m, 1h30m (units w, d, h, m, s, ms) of sample time, got "5 minutes" (string)',
  );
});

test('bad regexes and selectors', () => {
  assert.equal(
    fileError('rules: [{name: a, match: {name_regex: "http_(requests"}}]'),
    'FILE:1:39: rules[0].match.name_regex must be a valid regular expression, got "http_(requests" (string): Unterminated group',
  );
  assert.equal(
    fileError(`rules: [{name: a, match: {selector: 'http{code=5}'}}]`),
    'FILE:1:37: rules[0].match.selector: bad selector "http{code=5}" at position 10: expected a quoted string for label "code", got "5"',
  );
  assert.match(
    fileError(`rules: [{name: a, match: {selector: 'http{code=~"5("}'}}]`),
    /^FILE:1:37: rules\[0\]\.match\.selector: bad selector "http\{code=~\\"5\(\\"\}" at position 11: invalid regex for "code": .*Unterminated group$/,
  );
});

test('duplicate rule names', () => {
  assert.equal(
    fileError('rules: [{name: a, match: {name: x}}, {name: b, match: {name: y}}, {name: a}]'),
    'FILE:1:74: rules[2].name "a" is already used by rules[0]; rule names must be unique',
  );
});

test('a rule after a catch-all can never apply', () => {
  assert.equal(
    fileError('rules: [{name: a}, {name: b, match: {name: x}}]'),
    'FILE:1:20: rules[1]: rule "b" can never apply: rules[0] ("a") matches every series and the first matching rule wins; put the catch-all last',
  );
});

test('heartbeat interval ≥ session timeout', () => {
  assert.equal(
    fileError('kafka: {session_timeout_ms: 10000, heartbeat_interval_ms: 10000}'),
    'FILE:1:59: kafka.heartbeat_interval_ms must be lower than kafka.session_timeout_ms (10000), got 10000 (number); about a third of it is usual, e.g. 3333',
  );
});

test('severity tiers', () => {
  assert.equal(
    fileError('rules: [{name: a, z: 3, severities: [{severity: warning, z: 3}]}]'),
    'FILE:1:37: rules[0].severities: give either severities or z + severity (one tier), not both',
  );
  assert.equal(
    fileError('rules: [{name: a, severities: [{severity: warning, z: 5}, {severity: critical, z: 3}]}]'),
    'FILE:1:83: rules[0].severities[1].z must be greater than severities[0].z (5), got 3 (number); list tiers from the lowest z to the highest',
  );
  assert.equal(
    fileError('rules: [{name: a, severities: [{severity: warning, z: 3}, {severity: warning, z: 5}]}]'),
    'FILE:1:70: rules[0].severities[1].severity "warning" is already used by severities[0]; each tier needs its own severity',
  );
  assert.equal(fileError('rules: [{name: a, z: -1}]'), 'FILE:1:22: rules[0].z must be a number > 0, got -1 (number)');
});

test('unknown template placeholder names the rule and the key', () => {
  assert.equal(
    fileError('rules:\n  - name: a\n    match: {name: x}\n  - name: b\n    annotations:\n      summary: "{{ valu }} is high"\n'),
    'FILE:6:16: rules[1].annotations.summary: unknown placeholder {{ valu }}; allowed: value, mean, std, z, rule, severity, series, name, labels.<label>',
  );
  assert.equal(
    fileError('rules: [{name: a, annotations: {summary: "{{ value"}}]'),
    'FILE:1:42: rules[0].annotations.summary: unbalanced braces: "{{" at offset 0 is never closed',
  );
});

test('labels: names and values', () => {
  assert.equal(
    fileError('rules: [{name: a, labels: {team-name: db}}]'),
    'FILE:1:28: rules[0].labels["team-name"]: the key must be a label name matching [a-zA-Z_][a-zA-Z0-9_]*, got "team-name" (string)',
  );
  assert.equal(
    fileError('rules: [{name: a, labels: {tier: 1}}]'),
    'FILE:1:34: rules[0].labels.tier must be a string (quote numbers and booleans: "42"), got 1 (number)',
  );
});

test('missing and empty things', () => {
  assert.equal(fileError('rules: [{window: 30}]'), 'FILE:1:9: rules[0].name is required: a non-empty string');
  assert.equal(
    fileError('rules: []'),
    'FILE:1:8: rules must be a list of at least one rule (nothing is detected without one), got [] (array)',
  );
  assert.equal(fileError('rules: {name: a}'), 'FILE:1:8: rules must be a list of rules, got {"name":"a"} (object)');
  assert.equal(fileError('- a\n- b\n'), 'FILE: the file must hold a map of sections (kafka:, rules:, …), got a list');
});

test('YAML syntax errors name file, line and column', () => {
  const file = yamlFile('http:\n  port: 1\nrules: [{name: a\n');
  assert.deepEqual(errorLines({ file }), [
    `${file}:4:1: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }`,
    `${file}:4:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]`,
  ]);
  assert.equal(fileError('http:\n  port: 1\n  port: 2\n'), 'FILE:3:3: YAML syntax error: Map keys must be unique');
});

test('an unreadable file', () => {
  assert.deepEqual(errorLines({ file: '/nonexistent/sigmawatch.yaml' }), [
    '/nonexistent/sigmawatch.yaml: cannot read the config file: no such file',
  ]);
});

test('env vars and flags are named as the source', () => {
  assert.deepEqual(errorLines({ env: { SIGMAWATCH_HTTP_PORT: 'http' } }), [
    'env SIGMAWATCH_HTTP_PORT: http.port must be an integer from 0 to 65535, got "http" (string)',
  ]);
  assert.deepEqual(errorLines({ env: { SIGMAWATCH_KAFKA__CLIENTID: 'x' } }), [
    'env SIGMAWATCH_KAFKA__CLIENTID: kafka.clientid is not a known key (did you mean client_id?); allowed: brokers, client_id, group_id, topics, create_topics, partitions, replication_factor, session_timeout_ms, heartbeat_interval_ms, connect_timeout, delivery, ssl, sasl',
  ]);
  assert.deepEqual(errorLines({ env: { KAFKA_BROKERS: 'localhost' } }), [
    'env KAFKA_BROKERS: kafka.brokers[0] must be a host:port string such as localhost:9092, got "localhost" (string)',
  ]);
  assert.deepEqual(errorLines({ overrides: { 'http.prot': 1 } }), [
    '--set http.prot: http.prot is not a known key (did you mean port?); allowed: host, port',
  ]);
  assert.deepEqual(errorLines({ overrides: { 'log.level': 'loud' } }), [
    '--set log.level: log.level must be one of trace, debug, info, warn, error, fatal, silent, got "loud" (string)',
  ]);
  assert.deepEqual(errorLines({ overrides: { 'a..b': 1 } }), [
    '--set a..b: "a..b" is not a key path; write it like http.port or rules[0].z',
  ]);
  assert.deepEqual(errorLines({ overrides: { 'rules.name': 'x' } }), [
    '--set rules.name: rules is a list; address its entries by index, like rules[0]',
  ]);
  assert.deepEqual(errorLines({ overrides: { 'rules[3].z': 1 } }), [
    '--set rules[3].z: rules has 1 entry; index 3 is past the end (1 appends one)',
  ]);
  assert.deepEqual(errorLines({ overrides: { 'http.port': '[1' } }), [
    '--set http.port: cannot read "[1" as a YAML value: Flow sequence must end with a ]',
  ]);
});

test('a value from the file that a flag replaced is blamed on the flag', () => {
  const file = yamlFile('http: {port: 1}');
  assert.deepEqual(errorLines({ file, overrides: { 'http.port': '-5' } }), [
    '--set http.port: http.port must be an integer from 0 to 65535, got -5 (number)',
  ]);
});

test('all problems are reported together, one per line', () => {
  const file = yamlFile(`kafka:
  sesion_timeout_ms: 100
  topics: {metrics: "bad topic"}
http: {port: 70000}
rules:
  - name: a
    match: {name: x}
    window: 1
  - name: a
    direction: sideways
`);
  assert.deepEqual(
    errorLines({ file, env: { SIGMAWATCH_LOG_LEVEL: 'loud' } }).map((l) => l.replaceAll(file, 'FILE')),
    [
      'FILE:3:21: kafka.topics.metrics must be a Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -), got "bad topic" (string)',
      'FILE:2:3: kafka.sesion_timeout_ms is not a known key (did you mean session_timeout_ms?); allowed: brokers, client_id, group_id, topics, create_topics, partitions, replication_factor, session_timeout_ms, heartbeat_interval_ms, connect_timeout, delivery, ssl, sasl',
      'FILE:4:14: http.port must be an integer from 0 to 65535, got 70000 (number)',
      'env SIGMAWATCH_LOG_LEVEL: log.level must be one of trace, debug, info, warn, error, fatal, silent, got "loud" (string)',
      'FILE:8:13: rules[0].window must be an integer from 2 to 65535, got 1 (number)',
      'FILE:10:16: rules[1].direction must be one of up, down, both, got "sideways" (string)',
      'FILE:9:11: rules[1].name "a" is already used by rules[0]; rule names must be unique',
    ],
  );
});

test('values of the wrong shape anywhere are reported, not thrown as TypeErrors', () => {
  assert.deepEqual(errorLines({ overrides: { rules: '[null]' } }), [
    '--set rules: rules[0] must be a map (a rule with at least a name), got null',
  ]);
  assert.deepEqual(errorLines({ overrides: { kafka: 'null' } }), ['--set kafka: kafka must be a map (the kafka section), got null']);
  assert.deepEqual(errorLines({ overrides: { 'rules[0].severities': '[5]' } }), [
    '--set rules[0].severities: rules[0].severities[0] must be a map {severity: <name>, z: <threshold>}, got 5 (number)',
  ]);
  assert.deepEqual(errorLines({ overrides: { 'rules[0].z': '.inf' } }), [
    '--set rules[0].z: rules[0].z must be a number > 0, got Infinity (number)',
  ]);
});

test('random junk at any key gives a ConfigError or a config, never another exception', () => {
  // mulberry32: the same junk on every run.
  let seed = 42;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const keys = [
    'kafka',
    'kafka.brokers',
    'kafka.topics',
    'kafka.topics.alerts',
    'kafka.session_timeout_ms',
    'alerts',
    'store.idle_timeout',
    'http',
    'http.port',
    'log.level',
    'shutdown.deadline',
    'rules',
    'rules[0]',
    'rules[1]',
    'rules[0].match',
    'rules[0].match.labels',
    'rules[0].match.selector',
    'rules[0].window',
    'rules[0].short_window',
    'rules[0].severities',
    'rules[0].severities[0]',
    'rules[0].severities[0].z',
    'rules[0].for',
    'rules[0].repeat',
    'rules[0].std_floor',
    'rules[0].labels',
    'rules[0].annotations',
    'rules[0].annotations.summary',
    'rules[0].name',
  ];
  const junk = [
    'null',
    '~',
    '0',
    '-1',
    '1.5',
    '.nan',
    'true',
    '""',
    'x',
    '[]',
    '[null]',
    '[1, "a"]',
    '{}',
    '{a: 1}',
    '{name: 1}',
    '"{{ z }}"',
    '5m',
    '[{}]',
  ];
  for (let i = 0; i < 300; i++) {
    const overrides: Record<string, string> = {};
    for (let k = 1 + Math.floor(random() * 3); k > 0; k--) overrides[pick(keys)] = pick(junk);
    try {
      load({ overrides });
    } catch (err) {
      assert.ok(err instanceof ConfigError, `${JSON.stringify(overrides)} threw ${String((err as Error).stack)}`);
    }
  }
});
