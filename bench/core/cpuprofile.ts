/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self and total time per function, as
 * percentages of the profile, or of the time spent under the functions named `focus` (e.g. `run`,
 * to leave data generation out). `node dist/bench/core/cpuprofile.js FILE [top] [focus]`.
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

const [file, topArg, focus] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist/bench/core/cpuprofile.js FILE.cpuprofile [top] [focus]\n');
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
let focusUs = 0;
/** Inclusive time, each function counted once per stack (recursion-safe); only under `focus` if given. */
function walk(id: number, onStack: Set<string>, inFocus: boolean): number {
  const n = byId.get(id)!;
  const key = label(n);
  const entering = !inFocus && focus !== undefined && n.callFrame.functionName === focus;
  const counted = inFocus || entering || focus === undefined;
  let t = selfUs.get(id) ?? 0;
  if (counted) self.set(key, (self.get(key) ?? 0) + t);
  const fresh = !onStack.has(key);
  if (fresh) onStack.add(key);
  for (const c of n.children ?? []) t += walk(c, onStack, inFocus || entering);
  if (fresh) onStack.delete(key);
  if (fresh && counted) total.set(key, (total.get(key) ?? 0) + t);
  if (entering) focusUs += t;
  return t;
}
walk(prof.nodes[0].id, new Set(), false);
const base = focus === undefined ? totalUs : focusUs;

const pct = (us: number) => ((100 * us) / base).toFixed(1).padStart(5) + ' %';
const lines: string[] = [
  `${file}: ${(totalUs / 1e6).toFixed(1)} s sampled` +
    (focus === undefined ? '' : `, ${(focusUs / 1e6).toFixed(1)} s under ${focus}() (= 100 %)`),
];
const section = (title: string, m: Map<string, number>) => {
  lines.push('', title);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(v)}  ${k}`);
};
section('self time', self);
section('total time (inclusive)', total);
process.stdout.write(lines.join('\n') + '\n');
