/**
 * Helpers of the deploy/ tests: render a kustomization with `kubectl kustomize`, run the other
 * external tools (promtool), and find things in the rendered objects.
 *
 * The tools are required, not optional: a missing one FAILS the test with what to install.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { CLI } from '../support/cli.js';

/** The repository root (this file runs as dist/test/deploy/support.js). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DEPLOY = join(ROOT, 'deploy');

/** A Kubernetes object as rendered: only the fields every object has are typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Everything else is checked field by field by the tests.
  [field: string]: any;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cmd args` to completion (killed after `timeoutMs`), never rejecting on a non-zero exit.
 * A command that is not installed rejects with `missing` as the message.
 */
export function runTool(cmd: string, args: readonly string[], missing: string, timeoutMs = 120_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error(`${cmd} is not installed: ${missing}`));
          return;
        }
        if (error !== null && error.killed) {
          reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${timeoutMs} ms`));
          return;
        }
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const KUBECTL_MISSING =
  'the deploy tests render the manifests with `kubectl kustomize` (kustomize v4 or later, kubectl 1.21+). ' +
  "Install kubectl 1.21 or later (Debian's own kubernetes-client package is kubectl 1.20, whose kustomize v2 is too old).";

let kubectlChecked: Promise<string> | undefined;

/** Checks once that kubectl is there with kustomize v4+; resolves with its kustomize version. */
export function requireKubectl(): Promise<string> {
  kubectlChecked ??= (async () => {
    const r = await runTool('kubectl', ['version', '--client', '-o', 'json'], KUBECTL_MISSING, 60_000);
    if (r.code !== 0) throw new Error(`kubectl version --client failed (${r.code}): ${r.stderr.trim()}\n${KUBECTL_MISSING}`);
    const info = JSON.parse(r.stdout) as { clientVersion?: { gitVersion?: string }; kustomizeVersion?: string };
    const kustomize = info.kustomizeVersion ?? '';
    const major = Number(/^v?(\d+)\./.exec(kustomize)?.[1] ?? NaN);
    if (!(major >= 4)) {
      throw new Error(
        `kubectl ${info.clientVersion?.gitVersion ?? '?'} embeds kustomize ${kustomize || 'v2 or older'}: ${KUBECTL_MISSING}`,
      );
    }
    return kustomize;
  })();
  return kubectlChecked;
}

/** `kubectl kustomize DIR`, parsed: every rendered object. Throws with kustomize's message on failure. */
export async function render(dir: string): Promise<K8sObject[]> {
  await requireKubectl();
  const r = await runTool('kubectl', ['kustomize', dir], KUBECTL_MISSING);
  if (r.code !== 0) throw new Error(`kubectl kustomize ${dir} failed (${r.code}):\n${r.stderr}`);
  const docs = parseAllDocuments(r.stdout);
  const objects: K8sObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`kubectl kustomize ${dir} printed invalid YAML: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value !== null) objects.push(value);
  }
  return objects;
}

/** The one object of `kind` (and `name`, if given); fails when there is none or several. */
export function one(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name === undefined ? '' : ` ${name}`}, found ${found.length}`);
  return found[0]!;
}

/** A fresh temporary directory, removed when `t` ends. */
export function tempDir(t: { after(fn: () => void): void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sigmawatch-${prefix}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Does the label selector `{matchLabels}` (or a Service's plain map) select `labels`? */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The first container of a Deployment's pod template. */
export const container = (d: K8sObject): any => d.spec.template.spec.containers[0];

/** The ConfigMap file a container's `--config` path is mounted from: its path, key and text. */
export function mountedConfig(objects: readonly K8sObject[], d: K8sObject): { path: string; key: string; data: string } {
  const c = container(d);
  const args = c.args as string[];
  const path = args[args.indexOf('--config') + 1]!;
  const mount = (c.volumeMounts as any[]).find((m) => path.startsWith(`${m.mountPath}/`));
  assert.ok(mount, `the config path ${path} is under a volume mount`);
  const volume = (d.spec.template.spec.volumes as any[]).find((v) => v.name === mount.name);
  const configMap = one(objects, 'ConfigMap', volume.configMap.name);
  const key = path.slice(mount.mountPath.length + 1);
  assert.ok(typeof configMap.data[key] === 'string', `ConfigMap ${configMap.metadata.name} has ${key}`);
  return { path, key, data: configMap.data[key] };
}

/** A free TCP port on all interfaces. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A non-loopback IPv4 address of this machine (what a kubelet probe would use), if any. */
export function podAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/** The HTTP status of a GET, or undefined when nothing answers within 2 s (a probe's view). */
export async function probeStatus(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status;
  } catch {
    return undefined;
  }
}

/**
 * A container's command run here as its pod would run it: `args` (the config file's mount path
 * replaced by the local copy), `env`; stdout and stderr collected; killed at the test's end.
 */
export class ContainerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private text = '';

  constructor(
    t: { after(fn: () => Promise<void>): void },
    private readonly name: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, ['--enable-source-maps', CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.text += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.text += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    t.after(async () => {
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    });
  }

  /** Everything it printed so far. */
  get output(): string {
    return this.text;
  }

  /** Polls `ok` every 250 ms; fails with the output when the process exits or `ms` pass first. */
  async until(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (this.child.exitCode !== null)
        assert.fail(`${this.name} exited (${this.child.exitCode}) while waiting for ${what}:\n${this.text}`);
      if (Date.now() > end) assert.fail(`no ${what} within ${ms} ms:\n${this.text}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** SIGTERM, as the kubelet sends it: the exit code and how long it took. */
  async terminate(): Promise<{ code: number | null; ms: number }> {
    const began = Date.now();
    this.child.kill('SIGTERM');
    const code = await this.exited;
    return { code, ms: Date.now() - began };
  }
}

/** The container's literal env (valueFrom entries left out). */
export function literalEnv(c: any): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of (c.env ?? []) as any[]) if (typeof e.value === 'string') env[e.name] = e.value;
  return env;
}

/**
 * The environment the container would get here: the test process's (without its SIGMAWATCH_*
 * variables, which would configure the CLI), the container's literal env, then `differences`:
 * where the test's cluster differs from the manifest's (brokers, topics, group, port).
 */
export function podEnv(c: any, differences: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SIGMAWATCH_')) env[k] = v;
  return Object.assign(env, literalEnv(c), differences);
}

/** The container's args with the config file's mount path replaced by the local file. */
export function localArgs(c: { args?: unknown }, mountPath: string, file: string): string[] {
  return (c.args as string[]).map((a) => (a === mountPath ? file : a));
}
