/**
 * `ingest.partition_by`: the metrics-topic partition of a series chosen from some of its labels
 * instead of its whole id, so that every series of one group (an SLO rule's `group_by`, e.g.
 * `service`) reaches the same worker partition, where the group's counters are joined. The key
 * stays the series id, and a series still always lands on one partition (its labels do not
 * change), so the worker's per-series order and state are unaffected.
 *
 * The partition is murmur2 of the label values (kafkajs's default partitioner, the Java client's
 * hash) modulo the partition count, as if the record were keyed by them.
 */
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { parseSeriesId } from '../codec/series-id.js';

/** Ids remembered before the cache starts over (bounds memory; a miss costs one parse). */
const CACHE_LIMIT = 100_000;

export class GroupPartitioner {
  private readonly pick = Partitioners.DefaultPartitioner();
  private readonly metadata: PartitionMetadata[];
  private readonly cache = new Map<string, number>();

  constructor(
    private readonly topic: string,
    private readonly labels: readonly string[],
    partitions: number,
  ) {
    this.metadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      offlineReplicas: [],
    }));
  }

  /** The partition of the series `id` (canonical series id). */
  partitionOf(id: string): number {
    let partition = this.cache.get(id);
    if (partition === undefined) {
      const { labels } = parseSeriesId(id);
      // A label the series lacks counts as empty (as Prometheus's `sum by` groups it).
      const groupKey = this.labels.map((l) => labels[l] ?? '').join('\u0000');
      partition = this.pick({ topic: this.topic, partitionMetadata: this.metadata, message: { key: groupKey, value: null } });
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(id, partition);
    }
    return partition;
  }
}
