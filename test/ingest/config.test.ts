import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { configToInput } from '../../src/config/to-input.js';
import { checkIngestConfig } from '../../src/cli/ingest.js';

test('ingest: defaults, and topics with their formats', () => {
  const d = loadConfig({ env: {} }).ingest;
  assert.deepEqual(d, {
    groupId: 'sigmawatch-ingest',
    topics: [],
    maxPointsPerRecord: 500,
    fetchMaxWaitMs: 250,
    fetchMinBytes: 1,
    maxBytesPerPartition: 4194304,
    compression: 'none',
    partitionBy: [],
    httpPort: 9466,
  });
  const c = loadConfig({
    env: {},
    overrides: {
      'ingest.topics': '[{topic: prom, format: prometheus-kafka-adapter}, {topic: mixed, format: auto}]',
      'ingest.fetch_max_wait': '1s',
      'ingest.partition_by': '[service, region]',
    },
  });
  assert.deepEqual(c.ingest.partitionBy, ['service', 'region']);
  assert.throws(
    () => loadConfig({ env: {}, overrides: { 'ingest.partition_by': '[1bad]' } }),
    (e: unknown) => e instanceof ConfigError && /ingest\.partition_by/.test(e.message),
  );
  assert.deepEqual(c.ingest.topics, [
    { topic: 'prom', format: 'prometheus-kafka-adapter' },
    { topic: 'mixed', format: 'auto' },
  ]);
  assert.equal(c.ingest.fetchMaxWaitMs, 1000);
  assert.deepEqual(configToInput(c).ingest, {
    group_id: 'sigmawatch-ingest',
    topics: [
      { topic: 'prom', format: 'prometheus-kafka-adapter' },
      { topic: 'mixed', format: 'auto' },
    ],
    max_points_per_record: 500,
    fetch_max_wait: '1s',
    fetch_min_bytes: 1,
    max_bytes_per_partition: 4194304,
    compression: 'none',
    partition_by: ['service', 'region'],
    http_port: 9466,
  });
});

test('ingest: an unknown format, a topic listed twice and a bad bound are errors naming the key', () => {
  const message = (overrides: Record<string, unknown>) => {
    try {
      loadConfig({ env: {}, overrides });
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.message;
    }
    assert.fail('expected a ConfigError');
  };
  assert.match(
    message({ 'ingest.topics': '[{topic: a, format: prometheus}]' }),
    /ingest\.topics\[0\]\.format must be one of prometheus-kafka-adapter, otlp-proto, .*auto, got "prometheus"/,
  );
  assert.match(
    message({ 'ingest.topics': '[{topic: a, format: auto}, {topic: a, format: otlp-json}]' }),
    /ingest\.topics\[1\]\.topic names "a" again \(ingest\.topics\[0\]\); list a topic once/,
  );
  assert.match(
    message({ 'ingest.topics': '[{topic: "a b", format: auto}]' }),
    /ingest\.topics\[0\]\.topic must be a Kafka topic name|ingest\.topics\[0\]\.topic/,
  );
  assert.match(message({ 'ingest.compression': 'zstd' }), /ingest\.compression must be one of none, gzip, snappy, lz4, got "zstd"/);
  assert.match(message({ 'ingest.max_points_per_record': 0 }), /ingest\.max_points_per_record must be an integer from 1 to 10000, got 0/);
});

test('ingest refuses no topics, and an input topic that is its own output (metrics or dead-letter topic), naming the key', () => {
  const check = (overrides: Record<string, unknown>) => {
    try {
      checkIngestConfig(loadConfig({ env: {}, overrides }), true);
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.message;
    }
    return 'accepted';
  };
  assert.match(check({}), /ingest\.topics must list at least one \{topic, format\}/);
  assert.match(
    check({ 'ingest.topics': '[{topic: in, format: auto}, {topic: sigmawatch.metrics, format: auto}]' }),
    /ingest\.topics\[1\]\.topic is "sigmawatch\.metrics", which is kafka\.topics\.metrics: ingest writes there, so it would read its own output/,
  );
  assert.match(
    check({ 'ingest.topics': '[{topic: dlq, format: otlp-json}]', 'kafka.topics.dead_letter': 'dlq' }),
    /which is kafka\.topics\.dead_letter/,
  );
  assert.equal(check({ 'ingest.topics': '[{topic: in, format: otlp-json}]' }), 'accepted');
});
