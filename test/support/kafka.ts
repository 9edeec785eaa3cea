/**
 * Helpers for integration tests against a real Kafka. `npm test` (test/run-tests.ts) starts one
 * local broker for the whole run and passes it in KAFKA_BROKERS; a test run without it fails
 * loudly instead of skipping, so "all green" always means "ran against a broker".
 */
import { randomBytes } from 'node:crypto';

import { Kafka, logLevel, type Admin, type ITopicConfig, type KafkaConfig } from 'kafkajs';

// kafkajs 2 logs a partitioner notice on every producer; the tests know.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

/** The brokers of this test run, from KAFKA_BROKERS; throws if it is not set. */
export function requireBrokers(): string[] {
  const brokers = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (brokers.length === 0) {
    throw new Error(
      'KAFKA_BROKERS is not set: run the suite with `npm test`, which starts the local Kafka broker ' +
        '(or set KAFKA_BROKERS=host:port to use a running one, e.g. `export $(sigmawatch broker start)`).',
    );
  }
  return brokers;
}

/** A kafkajs client for the test brokers; silent (logLevel NOTHING) so test output stays clean. */
export function kafkaClient(clientId = 'sigmawatch-test', overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: requireBrokers(),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 5, initialRetryTime: 100 },
    ...overrides,
  });
}

/** A connected admin client; the caller disconnects it. */
export async function createAdmin(): Promise<Admin> {
  const admin = kafkaClient('sigmawatch-test-admin').admin();
  await withTimeout(admin.connect(), 15_000, 'connecting the Kafka admin client');
  return admin;
}

/** A name no other test (or earlier run against the same cluster) uses: `<prefix>-<time>-<random>`. */
export function uniqueName(prefix: string): string {
  // Kafka topic and group names allow [a-zA-Z0-9._-]; keep prefixes readable but legal.
  const clean = prefix.replace(/[^a-zA-Z0-9._-]/g, '-');
  return `${clean}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Creates a new, uniquely named topic with `partitions` partitions (replication 1) and waits
 * until every partition has a leader. Returns its name.
 */
export async function freshTopic(
  prefix: string,
  partitions = 1,
  configEntries: Array<{ name: string; value: string }> = [],
): Promise<string> {
  const topic = uniqueName(prefix);
  const admin = await createAdmin();
  try {
    const created = await withTimeout(
      createTopicWithLeaders(admin, { topic, numPartitions: partitions, replicationFactor: 1, configEntries }),
      20_000,
      `creating topic ${topic}`,
    );
    if (!created) throw new Error(`topic ${topic} already existed, which uniqueName should make impossible`);
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/**
 * Creates a topic and waits until every partition has a leader; returns false when it existed.
 * A busy broker may answer kafkajs's wait for leaders with UNKNOWN_TOPIC_OR_PARTITION for a topic
 * it has just created (its metadata lags): then the topic's metadata is polled until it shows.
 */
export async function createTopicWithLeaders(admin: Admin, spec: ITopicConfig): Promise<boolean> {
  try {
    return await admin.createTopics({ topics: [spec], waitForLeaders: true, timeout: 15_000 });
  } catch (e) {
    const until = Date.now() + 15_000;
    for (;;) {
      const ready = await admin
        .fetchTopicMetadata({ topics: [spec.topic] })
        .then(({ topics }) => topics[0]!.partitions.length > 0 && topics[0]!.partitions.every((p) => p.leader >= 0))
        .catch(() => false);
      if (ready) return true;
      if (Date.now() > until) throw e;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * Rejects with "<what> did not finish within <ms> ms" if `promise` takes longer; the timer never
 * keeps the process alive after `promise` settles.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One record as read back by `consumeMessages`. */
export interface ConsumedMessage {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

/**
 * Reads `count` records of `topic` from the beginning with a new consumer group, then
 * disconnects. Fails after `timeoutMs` saying how many arrived.
 */
export async function consumeMessages(topic: string, count: number, timeoutMs = 30_000): Promise<ConsumedMessage[]> {
  const consumer = kafkaClient('sigmawatch-test-reader').consumer({ groupId: uniqueName('test-reader') });
  const received: ConsumedMessage[] = [];
  try {
    await withTimeout(consumer.connect(), 15_000, 'connecting the test consumer');
    await consumer.subscribe({ topic, fromBeginning: true });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              received.push({
                partition,
                offset: message.offset,
                key: message.key,
                value: message.value,
                headers: message.headers ?? {},
              });
              if (received.length >= count) resolve();
            },
          })
          .catch(reject);
      }),
      timeoutMs,
      `reading ${count} records from ${topic}`,
    ).catch((error: Error) => {
      throw new Error(`${error.message} (received ${received.length} of ${count})`, { cause: error });
    });
  } finally {
    await consumer.disconnect();
  }
  return received.slice(0, count);
}
