import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { kafkaHome, logsDir } from './paths.js';
import { isAlive, isBrokerProcess, terminate } from './processes.js';

/**
 * Who owns a run directory: the broker's pid, and the pid of the Node process that started it
 * attached (null for a detached broker, which the state file owns). Written once the broker
 * process exists, so a crashed test run can be recognised and cleaned up by the next start.
 */
export interface RunOwner {
  pid: number;
  ownerPid: number | null;
}

const OWNER_FILE = 'owner.json';
// A run dir without an owner file is a start in progress (formatting takes about a second)
// or the remains of one that died before spawning; only the latter is this old.
const UNOWNED_GRACE_MS = 10 * 60_000;
// Broker logs outlive their run dir so failures can be read; keep the newest few.
const KEEP_LOGS = 20;

export function writeRunOwner(dataDir: string, owner: RunOwner): void {
  writeFileSync(join(dataDir, OWNER_FILE), `${JSON.stringify(owner)}\n`);
}

function readRunOwner(dataDir: string): RunOwner | null {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as Partial<RunOwner>;
    if (typeof parsed.pid !== 'number') return null;
    return { pid: parsed.pid, ownerPid: typeof parsed.ownerPid === 'number' ? parsed.ownerPid : null };
  } catch {
    return null;
  }
}

/**
 * Removes the run directories of brokers that are gone, and stops orphans: attached brokers
 * whose Node owner died without stopping them (a killed test run). Detached brokers that are
 * alive are left alone.
 */
export async function sweepStaleRuns(log: (line: string) => void): Promise<void> {
  const home = kafkaHome();
  if (!existsSync(home)) return;
  for (const name of readdirSync(home)) {
    if (!name.startsWith('run-')) continue;
    const dataDir = join(home, name);
    const owner = readRunOwner(dataDir);
    if (owner === null) {
      if (Date.now() - mtimeMs(dataDir) > UNOWNED_GRACE_MS) rmSync(dataDir, { recursive: true, force: true });
      continue;
    }
    if (isBrokerProcess(owner.pid, dataDir)) {
      if (owner.ownerPid === null || isAlive(owner.ownerPid)) continue;
      log(`stopping orphaned Kafka broker pid ${owner.pid} (its owner, pid ${owner.ownerPid}, is gone)`);
      await terminate(owner.pid);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Deletes all but the newest `KEEP_LOGS` broker log files. */
export function pruneLogs(): void {
  const dir = logsDir();
  if (!existsSync(dir)) return;
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .map((name) => ({ path: join(dir, name), mtime: mtimeMs(join(dir, name)) }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const file of files.slice(KEEP_LOGS)) rmSync(file.path, { force: true });
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
