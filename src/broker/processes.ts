import { spawn, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The outcome of a finished command; `missing` means the executable was not found. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  missing: boolean;
}

/**
 * Runs a command to completion and collects its output. Never rejects for a non-zero exit or a
 * missing executable: callers turn those into a `BrokerStartError` with the right reason.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<RunResult> {
  const { timeoutMs, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT') {
        resolve({ code: null, signal: null, stdout: '', stderr: '', missing: true });
      } else {
        reject(error);
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        missing: false,
      });
    });
  });
}

/** The last `lines` lines of a text, without ANSI colour codes (mvn emits some even with -B). */
export function tail(text: string, lines = 40): string {
  const clean = text.replace(/\u001b\[[0-9;]*m/g, '').trimEnd();
  return clean.split('\n').slice(-lines).join('\n');
}

/** The last `lines` lines of a file, or a note saying it could not be read. */
export function tailFile(path: string, lines = 40): string {
  try {
    return tail(readFileSync(path, 'utf8'), lines);
  } catch (error) {
    return `(cannot read ${path}: ${(error as Error).message})`;
  }
}

/** True while `pid` names a live process (a zombie counts as dead). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else, which is alive all the same.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat is "pid (comm) S ..."; comm may contain spaces, so split after ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) is all we have
  }
}

/**
 * True if `pid` is alive and is the broker that uses `dataDir`, so that a recycled pid is never
 * mistaken for our broker (and never signalled). Without /proc, liveness alone decides.
 */
export function isBrokerProcess(pid: number, dataDir: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
  } catch {
    return true;
  }
}

/** Waits until `pid` is gone; true if it went within `ms`. */
export async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/** How a process ended under `terminate`. */
export type Termination = 'already-gone' | 'terminated' | 'killed';

/**
 * SIGTERM, wait up to `graceMs` for a clean shutdown, then SIGKILL. Kafka flushes and closes its
 * logs on SIGTERM, which takes about two seconds for a small test broker.
 */
export async function terminate(pid: number, graceMs = 20_000): Promise<Termination> {
  if (!signal(pid, 'SIGTERM')) return 'already-gone';
  if (await waitForExit(pid, graceMs)) return 'terminated';
  signal(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
  return 'killed';
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}
