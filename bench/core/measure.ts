/** Timing, statistics and heap readings for the benchmarks. */

export interface Stats {
  readonly min: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1). */
  readonly std: number;
  readonly runs: readonly number[];
}

export function stats(runs: readonly number[]): Stats {
  const n = runs.length;
  let min = Infinity;
  let sum = 0;
  for (const r of runs) {
    if (r < min) min = r;
    sum += r;
  }
  const mean = sum / n;
  let ss = 0;
  for (const r of runs) ss += (r - mean) * (r - mean);
  return { min, mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, runs };
}

/** Nanoseconds since an arbitrary origin. */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

type GcFn = () => void;
const gcFn: GcFn | undefined = (globalThis as { gc?: GcFn }).gc;

export function hasGc(): boolean {
  return gcFn !== undefined;
}

/** Full collections until the heap stops shrinking (needs --expose-gc; otherwise does nothing). */
export function collect(): void {
  if (!gcFn) return;
  let last = Infinity;
  for (let i = 0; i < 6; i++) {
    gcFn();
    const used = process.memoryUsage().heapUsed;
    if (used >= last) break;
    last = used;
  }
}

/** V8 heap in use plus memory outside it (typed-array buffers, Buffers): after collect(). */
export function liveBytes(): number {
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

export function fmtNs(ns: number): string {
  return ns >= 100 ? ns.toFixed(0) : ns >= 10 ? ns.toFixed(1) : ns.toFixed(2);
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Left-aligned first column, right-aligned others. */
export function textTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: readonly string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const sep = head.map((_, c) => (c === 0 ? '---' : '---:'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly os: string;
  readonly memoryGiB: number;
}

export async function machine(): Promise<Machine> {
  const os = await import('node:os');
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}
