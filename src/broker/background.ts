import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { stopBrokerProcess, startLocalBroker } from './local-broker.js';
import { kafkaHome, stateFilePath } from './paths.js';
import { isAlive, isBrokerProcess } from './processes.js';
import { probeKafka } from './readiness.js';

/** What `.kafka/broker.json` records about the background broker. */
export interface BrokerState {
  pid: number;
  /** Bootstrap address, "127.0.0.1:PORT". */
  brokers: string;
  dataDir: string;
  logFile: string;
  /** ISO 8601. */
  startedAt: string;
}

export interface BrokerStatus {
  /** The state file names a live broker process. */
  running: boolean;
  /** That broker answered a Kafka metadata request just now. */
  responding: boolean;
  /** The state file's content, or null when there is none. */
  state: BrokerState | null;
  /** The state file names a broker that is gone (it crashed or was killed). */
  stale: boolean;
}

/** Reads the state file; null when missing or unreadable. */
export function readBrokerState(): BrokerState | null {
  try {
    const raw = JSON.parse(readFileSync(stateFilePath(), 'utf8')) as Partial<BrokerState>;
    if (
      typeof raw.pid !== 'number' ||
      typeof raw.brokers !== 'string' ||
      typeof raw.dataDir !== 'string' ||
      typeof raw.logFile !== 'string' ||
      typeof raw.startedAt !== 'string'
    ) {
      return null;
    }
    return { pid: raw.pid, brokers: raw.brokers, dataDir: raw.dataDir, logFile: raw.logFile, startedAt: raw.startedAt };
  } catch {
    return null;
  }
}

/** Is the background broker running, and does it answer? Never starts or stops anything. */
export async function brokerStatus(): Promise<BrokerStatus> {
  const state = readBrokerState();
  if (state === null) return { running: false, responding: false, state: null, stale: false };
  if (!isBrokerProcess(state.pid, state.dataDir)) return { running: false, responding: false, state, stale: true };
  let responding = true;
  try {
    await probeKafka(state.brokers, 5_000);
  } catch {
    responding = false;
  }
  return { running: true, responding, state, stale: false };
}

/**
 * Starts the background broker (detached, recorded in the state file) unless one is already
 * running, in which case that one is returned. Concurrent callers are serialised by a lock file.
 */
export async function startBackgroundBroker(
  options: { log?: (line: string) => void } = {},
): Promise<{ state: BrokerState; alreadyRunning: boolean }> {
  return withStateLock(async () => {
    const current = readBrokerState();
    if (current !== null && isBrokerProcess(current.pid, current.dataDir)) {
      return { state: current, alreadyRunning: true };
    }
    if (current !== null) await forgetBroker(current);
    const broker = await startLocalBroker({ detached: true, ...(options.log ? { log: options.log } : {}) });
    const state: BrokerState = {
      pid: broker.pid,
      brokers: broker.brokers,
      dataDir: broker.dataDir,
      logFile: broker.logFile,
      startedAt: new Date().toISOString(),
    };
    const tmp = `${stateFilePath()}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(tmp, stateFilePath());
    return { state, alreadyRunning: false };
  });
}

/**
 * Stops the background broker if it runs, and removes its data directory and the state file.
 * `stopped` is false when there was nothing running.
 */
export async function stopBackgroundBroker(): Promise<{ stopped: boolean; state: BrokerState | null }> {
  return withStateLock(async () => {
    const state = readBrokerState();
    if (state === null) return { stopped: false, state: null };
    const wasRunning = isBrokerProcess(state.pid, state.dataDir);
    await forgetBroker(state);
    return { stopped: wasRunning, state };
  });
}

async function forgetBroker(state: BrokerState): Promise<void> {
  await stopBrokerProcess(state.pid, state.dataDir);
  rmSync(stateFilePath(), { force: true });
}

// Starting takes seconds (minutes on a cold cache); a second `broker start` waits for the first.
const LOCK_WAIT_MS = 15 * 60_000;

async function withStateLock<T>(work: () => Promise<T>): Promise<T> {
  mkdirSync(kafkaHome(), { recursive: true });
  const lock = `${stateFilePath()}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSafe(lock));
      // An empty lock file is one being written right now; a dead holder's lock is free.
      if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${lock} (held by pid ${holder}); delete it if that process is gone.`);
      }
      await sleep(200);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

function readFileSafe(path: string): string {
  try {
    return existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
  } catch {
    return '';
  }
}
