import { setTimeout as sleep } from 'node:timers/promises';

import { Kafka, logLevel } from 'kafkajs';

/**
 * One readiness probe: a kafkajs admin connects, sees at least one registered broker and lists
 * topics. Succeeds only once the broker has registered with its controller and serves metadata,
 * which is later than its port starting to accept connections.
 */
export async function probeKafka(broker: string, timeoutMs = 5_000): Promise<void> {
  const kafka = new Kafka({
    clientId: 'sigmawatch-broker-probe',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from ${broker} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([
      (async () => {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === 0) throw new Error('the broker has not registered yet');
        await admin.listTopics();
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    // A probe that failed may leave a half-open connection; closing it can fail too, harmlessly.
    await admin.disconnect().catch(() => undefined);
  }
}

export type Readiness = { ready: true } | { ready: false; why: 'exited' } | { ready: false; why: 'timeout'; lastError: string };

/**
 * Probes `broker` every 200 ms until it answers, the process exits (`hasExited`), or
 * `timeoutMs` passes.
 */
export async function waitUntilReady(broker: string, options: { timeoutMs: number; hasExited: () => boolean }): Promise<Readiness> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = 'no probe finished';
  for (;;) {
    if (options.hasExited()) return { ready: false, why: 'exited' };
    const left = deadline - Date.now();
    if (left <= 0) return { ready: false, why: 'timeout', lastError };
    try {
      await probeKafka(broker, Math.min(5_000, Math.max(left, 500)));
      return { ready: true };
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(200);
  }
}
