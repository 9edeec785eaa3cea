import { readBrokerState } from './background.js';
import { startLocalBroker } from './local-broker.js';
import { isBrokerProcess } from './processes.js';
import { probeKafka } from './readiness.js';

/** Comma-separated bootstrap addresses of an existing cluster; when set, nothing is started. */
export const KAFKA_BROKERS_ENV = 'KAFKA_BROKERS';

export interface ResolvedBrokers {
  brokers: string[];
  /** Where they came from: the env var, the caller's list, the background broker, or a new local one. */
  source: 'env' | 'configured' | 'background' | 'started';
  /** Stops the broker only if this call started it; otherwise does nothing. */
  stop(): Promise<void>;
}

/** Splits "a:9092, b:9092" into ["a:9092", "b:9092"]. */
export function parseBrokerList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/**
 * Finds a Kafka to talk to, in this order:
 * 1. `configured`, if non-empty (`kafka.brokers`: the loaded config already holds KAFKA_BROKERS
 *    under any --set flag, so a flag can point one command elsewhere);
 * 2. `KAFKA_BROKERS` in the environment (an existing cluster: start nothing);
 * 3. the background broker of `sigmawatch broker start`, if it runs and answers;
 * 4. a new local broker, attached to this process; `stop()` stops it.
 */
export async function resolveBrokers(
  configured?: readonly string[],
  options: { log?: (line: string) => void } = {},
): Promise<ResolvedBrokers> {
  const nothing = async (): Promise<void> => {};
  if (configured !== undefined && configured.length > 0) {
    return { brokers: [...configured], source: 'configured', stop: nothing };
  }
  const fromEnv = parseBrokerList(process.env[KAFKA_BROKERS_ENV] ?? '');
  if (fromEnv.length > 0) return { brokers: fromEnv, source: 'env', stop: nothing };
  const state = readBrokerState();
  if (state !== null && isBrokerProcess(state.pid, state.dataDir)) {
    try {
      await probeKafka(state.brokers, 5_000);
      return { brokers: [state.brokers], source: 'background', stop: nothing };
    } catch (error) {
      options.log?.(`background broker ${state.brokers} does not answer (${(error as Error).message}); starting a new one`);
    }
  }
  const broker = await startLocalBroker(options.log ? { log: options.log } : {});
  return { brokers: [broker.brokers], source: 'started', stop: () => broker.stop() };
}
