/**
 * Topic admin at start-up: the metrics, alerts and dead-letter topics must exist. Missing ones are
 * created (configured partitions and replication) when `kafka.create_topics` allows, or reported
 * by name with what to do.
 */
import type { Admin } from 'kafkajs';

export class MissingTopicsError extends Error {
  readonly retriable = false;
  constructor(readonly topics: readonly string[]) {
    super(
      `missing Kafka topic${topics.length === 1 ? '' : 's'}: ${topics.join(', ')}. ` +
        `Create ${topics.length === 1 ? 'it' : 'them'} (e.g. kafka-topics.sh --create --topic NAME --partitions N), ` +
        `or set kafka.create_topics: true to let sigmawatch create ${topics.length === 1 ? 'it' : 'them'}.`,
    );
    this.name = 'MissingTopicsError';
  }
}

export interface TopicPlan {
  readonly create: boolean;
  readonly partitions: number;
  readonly replicationFactor: number;
}

/** Ensures `topics` exist; returns the names it created. */
export async function ensureTopics(admin: Admin, topics: readonly string[], plan: TopicPlan): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((t) => !existing.has(t));
  if (missing.length === 0) return [];
  if (!plan.create) throw new MissingTopicsError(missing);
  try {
    await admin.createTopics({
      topics: missing.map((topic) => ({ topic, numPartitions: plan.partitions, replicationFactor: plan.replicationFactor })),
      waitForLeaders: true,
      timeout: 30_000,
    });
  } catch (e) {
    // Another worker of the group may have created them a moment ago: fine if they exist now.
    const now = new Set(await admin.listTopics());
    const still = missing.filter((t) => !now.has(t));
    if (still.length > 0) throw new Error(`could not create topics ${still.join(', ')}: ${(e as Error).message}`, { cause: e });
  }
  return missing;
}
