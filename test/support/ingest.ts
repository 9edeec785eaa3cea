/** `sigmawatch ingest` as a child process (for SIGKILL and signals), its JSON log lines parsed as they come. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { requireBrokers } from './kafka.js';
import { waitUntil } from './worker.js';
import { CLI } from './cli.js';

export class IngestProcess {
  readonly child: ChildProcess;
  readonly logs: Array<Record<string, unknown>> = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(overrides: Record<string, unknown>) {
    const args = ['--enable-source-maps', CLI, 'ingest'];
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

  async waitForLog(pred: (l: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<void> {
    await waitUntil(() => this.logs.some(pred), timeoutMs, `${what}; stderr: ${this.stderr.slice(-5).join(' | ')}`);
  }

  /** Kills it if it still runs (for test cleanup). */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
