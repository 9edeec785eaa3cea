/**
 * A real Alertmanager for tests (Debian package `prometheus-alertmanager`), never a mock: started
 * on a free loopback port with a temporary configuration and storage directory, clustering off,
 * stopped (and its directory removed) in `t.after`, also when the test fails. A missing binary
 * fails the test with what to install; it never skips.
 *
 * Also: a webhook receiver (a node http server on loopback) that collects the notifications an
 * Alertmanager sends, and waits for the ones a test expects.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import { stringify } from 'yaml';

/** Polls `cond` every 50 ms until it holds; rejects after `timeoutMs` naming `what`. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The names the binary goes by: upstream's, and the Debian package's. */
const BINARIES = ['alertmanager', 'prometheus-alertmanager'];

/** The Alertmanager binary on PATH; throws saying what to install when there is none. */
export function alertmanagerBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of BINARIES) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not here
      }
    }
  }
  throw new Error(
    `Alertmanager is not installed: neither ${BINARIES.join(' nor ')} is on PATH. ` +
      'Install the Debian package: apt-get install -y prometheus-alertmanager (the relay tests run against a real Alertmanager and do not skip).',
  );
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An alert as `GET /api/v2/alerts` returns it (the fields the tests read). */
export interface AmAlertStatus {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  fingerprint: string;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
}

/** One running (or stopped, between `stop` and `start`) Alertmanager. */
export class Alertmanager {
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly log: string[] = [];

  constructor(
    readonly binary: string,
    readonly port: number,
    readonly dir: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts it and waits for `/-/ready`; throws with its log if it exits or is not ready in time. */
  async start(timeoutMs = 30_000): Promise<void> {
    const args = [
      `--config.file=${join(this.dir, 'alertmanager.yml')}`,
      `--storage.path=${join(this.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${this.port}`,
      '--cluster.listen-address=',
      '--log.level=info',
    ];
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let gone = false;
    this.exited = new Promise((resolve) => child.once('exit', () => ((gone = true), resolve())));
    for (const stream of [child.stdout!, child.stderr!]) stream.setEncoding('utf8').on('data', (d: string) => this.remember(d));
    await waitUntil(
      async () => {
        if (gone) throw new Error(`Alertmanager exited during start-up (${this.binary} ${args.join(' ')}):\n${this.logTail()}`);
        return (await fetch(`${this.url}/-/ready`).catch(() => undefined))?.ok === true;
      },
      timeoutMs,
      `Alertmanager on ${this.url} to be ready`,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; its log:\n${this.logTail()}`, { cause: e });
    });
  }

  /** SIGTERM (it writes its silences and notification log), SIGKILL if it lingers. Idempotent. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** `GET /api/v2/alerts` (Alertmanager leaves out resolved alerts). */
  async alerts(): Promise<AmAlertStatus[]> {
    const response = await fetch(`${this.url}/api/v2/alerts`);
    if (!response.ok) throw new Error(`GET /api/v2/alerts: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as AmAlertStatus[];
  }

  /** Polls `GET /api/v2/alerts` until `pred` holds; the failure shows what it held last. */
  async waitForAlerts(pred: (alerts: AmAlertStatus[]) => boolean, timeoutMs: number, what: string): Promise<AmAlertStatus[]> {
    let last: AmAlertStatus[] = [];
    await waitUntil(async () => pred((last = await this.alerts().catch(() => last))), timeoutMs, what).catch((e: Error) => {
      throw new Error(
        `${e.message}; Alertmanager holds ${JSON.stringify(last.map((a) => ({ labels: a.labels, state: a.status.state })))}`,
        { cause: e },
      );
    });
    return last;
  }

  /** Creates a silence of equality matchers for an hour; returns its id. */
  async silence(matchers: Record<string, string>, comment: string): Promise<string> {
    const now = Date.now();
    const body = {
      matchers: Object.entries(matchers).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
      startsAt: new Date(now - 1000).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      createdBy: 'sigmawatch tests',
      comment,
    };
    const response = await fetch(`${this.url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST /api/v2/silences: HTTP ${response.status} ${await response.text()}`);
    return ((await response.json()) as { silenceID: string }).silenceID;
  }

  logTail(lines = 20): string {
    return this.log.slice(-lines).join('\n');
  }

  private remember(chunk: string): void {
    for (const line of chunk.split('\n')) if (line !== '') this.log.push(line);
    if (this.log.length > 500) this.log.splice(0, this.log.length - 500);
  }
}

/**
 * Starts an Alertmanager with `config` (the alertmanager.yml content as an object) and registers
 * its stop and the removal of its directory with `t.after`.
 */
export async function startAlertmanager(t: TestContext, config: object): Promise<Alertmanager> {
  const binary = alertmanagerBinary();
  const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-am-'));
  const am = new Alertmanager(binary, await freePort(), dir);
  t.after(async () => {
    await am.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, 'alertmanager.yml'), stringify(config));
  await am.start();
  return am;
}

/** An Alertmanager webhook notification (the fields the tests read). */
export interface Notification {
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: Array<{
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
  }>;
}

export interface Webhook {
  /** URL to put in a receiver's `webhook_configs`. */
  readonly url: string;
  readonly notifications: Notification[];
  waitFor(pred: (n: Notification[]) => boolean, timeoutMs: number, what: string): Promise<void>;
}

/** A webhook receiver on loopback, closed in `t.after`. */
export async function startWebhook(t: TestContext): Promise<Webhook> {
  const notifications: Notification[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      notifications.push(JSON.parse(body) as Notification);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    notifications,
    waitFor: (pred, timeoutMs, what) =>
      waitUntil(() => pred(notifications), timeoutMs, what).catch((e: Error) => {
        throw new Error(`${e.message}; notifications so far: ${describeNotifications(notifications)}`, { cause: e });
      }),
  };
}

/** Status, group and alerts (status, alertname, series labels) of each notification: enough to see what went wrong. */
export function describeNotifications(notifications: readonly Notification[]): string {
  return JSON.stringify(
    notifications.map((n) => ({ status: n.status, group: n.groupLabels, alerts: n.alerts.map((a) => [a.status, a.labels]) })),
  );
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req
      .setEncoding('utf8')
      .on('data', (d: string) => (body += d))
      .once('end', () => resolve(body))
      .once('error', reject);
  });
}
