import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { GroupPartitioner } from '../../src/ingest/group-partitioner.js';

const PARTITIONS = 6;
const metadata: PartitionMetadata[] = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
  partitionErrorCode: 0,
  partitionId,
  leader: 0,
  replicas: [0],
  isr: [0],
  offlineReplicas: [],
}));
const byKey = (key: string) =>
  Partitioners.DefaultPartitioner()({ topic: 't', partitionMetadata: metadata, message: { key, value: null } });

test('the series of one group share a partition whatever their other labels; it is the partition of a record keyed by the label values', () => {
  const p = new GroupPartitioner('t', ['service'], PARTITIONS);
  const checkout = [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
    p.partitionOf(`http_requests_total{code="${200 + i}",instance="pod-${i}",service="checkout"}`),
  );
  assert.deepEqual(new Set(checkout), new Set([byKey('checkout')]));
  // Keyed by the series id instead (the default), the same series spread over partitions.
  const spread = new Set(
    [0, 1, 2, 3, 4, 5, 6, 7].map((i) => byKey(`http_requests_total{code="${200 + i}",instance="pod-${i}",service="checkout"}`)),
  );
  assert.ok(spread.size > 1, 'by key, a group is spread (which is why partition_by exists)');
});

test('several labels join with a separator that no label value holds; a missing label counts as empty', () => {
  const p = new GroupPartitioner('t', ['service', 'region'], PARTITIONS);
  assert.equal(p.partitionOf('x{region="eu",service="api"}'), byKey('api\u0000eu'));
  assert.equal(p.partitionOf('x{service="api"}'), byKey('api\u0000'));
  assert.equal(p.partitionOf('y'), byKey('\u0000'));
});

test('groups spread over the partitions; the same id always gets the same partition', () => {
  const p = new GroupPartitioner('t', ['service'], PARTITIONS);
  const used = new Set(Array.from({ length: 60 }, (_, i) => p.partitionOf(`up{service="svc-${i}"}`)));
  assert.equal(used.size, PARTITIONS);
  assert.equal(p.partitionOf('up{service="svc-7"}'), p.partitionOf('up{service="svc-7"}'));
});
