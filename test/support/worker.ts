/**
 * Helpers for worker integration tests on the real broker: a config with fresh topics and a
 * fresh group, an in-process Worker, a worker as a child process (for kill -9 and signals),
 * a producer of sample records, and a reader of the alerts topic that waits for what it needs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Consumer, Message } from 'kafkajs';
import { loadConfig, type Config } from '../../src/config/index.js';
import { Worker } from '../../src/kafka/worker.js';
import { createLogger } from '../../src/observe/logger.js';
import { createMetrics, type Metrics } from '../../src/observe/metrics.js';
import { decodeAlert, type AlertEvent } from '../../src/codec/alerts.js';
import { createTopicWithLeaders, kafkaClient, requireBrokers, uniqueName, withTimeout } from './kafka.js';
import { CLI } from './cli.js';

export interface TestTopics {
  metrics: string;
  alerts: string;
  deadLetter: string;
  group: string;
}

export function freshNames(prefix: string): TestTopics {
  const base = uniqueName(prefix);
  return { metrics: `${base}.metrics`, alerts: `${base}.alerts`, deadLetter: `${base}.dlq`, group: `${base}.group` };
}

/** `--set` style overrides that point a worker at these topics and group. */
export function topicOverrides(t: TestTopics, partitions: number): Record<string, unknown> {
  return {
    'kafka.topics.metrics': t.metrics,
    'kafka.topics.alerts': t.alerts,
    'kafka.topics.dead_letter': t.deadLetter,
    'kafka.group_id': t.group,
    'kafka.partitions': partitions,
    'kafka.session_timeout_ms': 6000,
    'kafka.heartbeat_interval_ms': 1000,
    'http.port': 0,
    'log.level': 'silent',
  };
}

export function testConfig(t: TestTopics, partitions: number, extra: Record<string, unknown> = {}, file?: string): Config {
  return loadConfig({
    env: { KAFKA_BROKERS: requireBrokers().join(',') },
    overrides: { ...topicOverrides(t, partitions), ...extra },
    file,
  });
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A Worker in this process, started and ready (joined with an assignment). */
export async function startWorker(config: Config): Promise<{ worker: Worker; metrics: Metrics; stop: () => Promise<void> }> {
  const metrics = createMetrics();
  const worker = new Worker({ config, brokers: requireBrokers(), logger: createLogger({ level: 'silent' }), metrics });
  await withTimeout(worker.start(), 30_000, 'starting the worker');
  await waitUntil(() => worker.ready().ok && worker.assignedPartitions() > 0, 30_000, 'the worker to join its group with partitions');
  return { worker, metrics, stop: () => withTimeout(worker.stop(), 30_000, 'stopping the worker') };
}

/** Sends records with acks = all. */
export async function sendRecords(topic: string, messages: Message[]): Promise<void> {
  const producer = kafkaClient('sigmawatch-test-samples').producer();
  await withTimeout(producer.connect(), 15_000, 'connecting the sample producer');
  try {
    for (let i = 0; i < messages.length; i += 5000) {
      await withTimeout(producer.send({ topic, acks: -1, messages: messages.slice(i, i + 5000) }), 30_000, 'producing samples');
    }
  } finally {
    await producer.disconnect();
  }
}

/** Collects everything on a topic (from the beginning) until closed. */
export class TopicReader<T> {
  readonly items: T[] = [];
  private consumer: Consumer | undefined;

  constructor(
    private readonly topic: string,
    private readonly decode: (m: { key: Buffer | null; value: Buffer | null; headers: Record<string, unknown> }) => T,
  ) {}

  async start(): Promise<this> {
    this.consumer = kafkaClient('sigmawatch-test-reader').consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
    await withTimeout(this.consumer.connect(), 15_000, 'connecting the reader');
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        this.items.push(
          this.decode({ key: message.key, value: message.value, headers: (message.headers ?? {}) as Record<string, unknown> }),
        );
      },
    });
    return this;
  }

  async waitFor(pred: (items: T[]) => boolean, timeoutMs: number, what: string): Promise<void> {
    await waitUntil(() => pred(this.items), timeoutMs, `${what} (have ${this.items.length} records on ${this.topic})`);
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

export const alertReader = (topic: string) => new TopicReader<AlertEvent>(topic, (m) => decodeAlert(m.value!));

/** Creates the topic if needed (the reader may subscribe before the worker creates it). */
export async function ensureTopic(topic: string, partitions: number): Promise<void> {
  const admin = kafkaClient('sigmawatch-test-admin').admin();
  await admin.connect();
  try {
    await createTopicWithLeaders(admin, { topic, numPartitions: partitions, replicationFactor: 1 });
  } finally {
    await admin.disconnect();
  }
}

/** Committed offsets of a group on a topic: partition → offset (-1 when none). */
export async function committedOffsets(group: string, topic: string): Promise<Map<number, number>> {
  const admin = kafkaClient('sigmawatch-test-admin').admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map(t!.partitions.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** A sigmawatch service (`run`, `ingest`, `relay`) as a child process, its JSON log lines parsed as they come. */
export class ServiceProcess {
  readonly child: ChildProcess;
  readonly logs: Array<Record<string, unknown>> = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(command: 'run' | 'ingest' | 'relay', overrides: Record<string, unknown>) {
    const args = ['--enable-source-maps', CLI, command];
    for (const [k, v] of Object.entries({ ...overrides, 'log.level': 'info' })) args.push('--set', `${k}=${v}`);
    this.child = spawn(process.execPath, args, {
      env: { ...process.env, KAFKA_BROKERS: requireBrokers().join(',') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.logs.push({ msg: line });
      }
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => this.stderr.push(line));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  async waitForLog(pred: (l: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
    await waitUntil(() => this.logs.some(pred), timeoutMs, `${what}; stderr: ${this.stderr.slice(-5).join(' | ')}`);
    return this.logs.filter(pred).at(-1)!;
  }

  /** Kills it if it still runs (for test cleanup). */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** `sigmawatch run` as a child process. */
export class WorkerProcess extends ServiceProcess {
  constructor(overrides: Record<string, unknown>) {
    super('run', overrides);
  }
}
