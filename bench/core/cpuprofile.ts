/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self and total time per function, as
 * percentages of the profile. `node dist/bench/core/cpuprofile.js FILE [top]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist/bench/core/cpuprofile.js FILE.cpuprofile [top]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map<number, ProfileNode>();
for (const n of prof.nodes) byId.set(n.id, n);
const selfUs = new Map<number, number>();
let totalUs = 0;
for (let i = 0; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i] ?? 0;
  selfUs.set(prof.samples[i], (selfUs.get(prof.samples[i]) ?? 0) + dt);
  totalUs += dt;
}

function label(n: ProfileNode): string {
  const f = n.callFrame;
  const where = f.url ? `${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
}

const self = new Map<string, number>();
const total = new Map<string, number>();
/** Inclusive time, each function counted once per stack (recursion-safe). */
function walk(id: number, onStack: Set<string>): number {
  const n = byId.get(id)!;
  const key = label(n);
  let t = selfUs.get(id) ?? 0;
  self.set(key, (self.get(key) ?? 0) + t);
  const fresh = !onStack.has(key);
  if (fresh) onStack.add(key);
  for (const c of n.children ?? []) t += walk(c, onStack);
  if (fresh) {
    onStack.delete(key);
    total.set(key, (total.get(key) ?? 0) + t);
  }
  return t;
}
walk(prof.nodes[0].id, new Set());

const pct = (us: number) => ((100 * us) / totalUs).toFixed(1).padStart(5) + ' %';
const print = (title: string, m: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(v)}  ${k}\n`);
};
process.stdout.write(`${file}: ${(totalUs / 1e6).toFixed(1)} s sampled\n`);
print('self time', self);
print('total time (inclusive)', total);
