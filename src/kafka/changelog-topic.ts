/**
 * The changelog topic at start-up: created when missing (with kafka.create_topics) as a compacted
 * topic with as many partitions as the metrics topic, so input partition p's checkpoints live in
 * changelog partition p. A changelog that exists with fewer partitions still works (p goes to
 * p mod n; keys name the input partition); one that is not compacted works but grows without
 * bound, which is logged.
 */
import kafkajs, { type Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { MissingTopicsError } from './topics.js';

/**
 * Settings of a changelog sigmawatch creates. Compaction keeps each key's latest record; segments
 * roll every 10 minutes or 64 MiB so that old checkpoints become compactable soon (a restore
 * reads what compaction has not removed yet); tombstones of replaced chunks stay a day.
 */
// kafkajs is CommonJS and this export is not visible to ESM named imports.
const { ConfigResourceTypes } = kafkajs;

const CHANGELOG_CONFIG = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'segment.ms', value: String(10 * 60_000) },
  { name: 'segment.bytes', value: String(64 * 1024 * 1024) },
  { name: 'min.cleanable.dirty.ratio', value: '0.5' },
  { name: 'delete.retention.ms', value: String(24 * 3_600_000) },
];

export interface ChangelogPlan {
  readonly changelog: string;
  readonly metrics: string;
  readonly create: boolean;
  readonly replicationFactor: number;
}

/** Makes sure the changelog exists; returns its partition count. */
export async function ensureChangelog(admin: Admin, plan: ChangelogPlan, log: Logger): Promise<number> {
  const existing = await partitionCount(admin, plan.changelog);
  if (existing !== null) {
    await warnUnlessCompacted(admin, plan.changelog, log);
    return existing;
  }
  if (!plan.create) throw new MissingTopicsError([plan.changelog]);
  const partitions = (await partitionCount(admin, plan.metrics)) ?? 1;
  try {
    await admin.createTopics({
      topics: [
        { topic: plan.changelog, numPartitions: partitions, replicationFactor: plan.replicationFactor, configEntries: CHANGELOG_CONFIG },
      ],
      waitForLeaders: true,
      timeout: 30_000,
    });
    log.info({ topic: plan.changelog, partitions }, 'created the changelog topic (compacted)');
  } catch (e) {
    // Another worker of the group may have created it a moment ago; or it was created and the
    // wait for its leaders read metadata the broker had not caught up with (UNKNOWN_TOPIC_OR_PARTITION
    // on a busy broker): either way it shows up within a few seconds.
    const now = await appearing(admin, plan.changelog, 10_000);
    if (now === null) throw new Error(`could not create the changelog topic ${plan.changelog}: ${(e as Error).message}`, { cause: e });
    return now;
  }
  return partitions;
}

/** The topic's partition count once it is listed with its metadata, or null after `withinMs`. */
async function appearing(admin: Admin, topic: string, withinMs: number): Promise<number | null> {
  const until = Date.now() + withinMs;
  for (;;) {
    const count = await partitionCount(admin, topic).catch(() => null);
    if (count !== null || Date.now() >= until) return count;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function partitionCount(admin: Admin, topic: string): Promise<number | null> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) return null;
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [topic] });
  return metadata[0]?.partitions.length ?? null;
}

async function warnUnlessCompacted(admin: Admin, topic: string, log: Logger): Promise<void> {
  try {
    const { resources } = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }],
      includeSynonyms: false,
    });
    const policy = resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? '';
    if (!policy.split(',').includes('compact')) {
      log.warn(
        { topic, cleanupPolicy: policy },
        'the changelog topic is not compacted: it keeps every checkpoint ever written (set cleanup.policy=compact)',
      );
    }
  } catch (e) {
    log.warn({ topic, err: e }, 'could not read the changelog topic configuration');
  }
}
