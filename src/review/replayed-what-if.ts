/**
 * The exact what-if, when the samples are at hand (`review --samples FILE`): the rules are run
 * over the samples with `replay`'s engine, once as configured and once per candidate with every
 * rule's `for` (or `keep_firing_for`) changed, and the pages (`fired` events) are counted per
 * rule. Unlike the estimate from events (what-if.ts) this sees pending time and the hold as they
 * happen. A `keep_firing_for` candidate adds to the rule's current hold; a rule whose hold is a
 * number of samples cannot take that sum and is left unchanged (its result is null).
 */
import type { Config } from '../config/index.js';
import type { Hold, Rule } from '../core/rule.js';
import { ReplayRun } from '../replay/replay-run.js';
import type { WhatIfCandidates } from './what-if.js';

export interface ReplayedResult {
  readonly kind: 'for' | 'keep_firing_for';
  readonly ms: number;
  /** Pages of the rule with the candidate; null when the candidate does not apply to it. */
  readonly pages: number | null;
}

export interface ReplayedRule {
  readonly rule: string;
  /** Pages of the rule as configured, over the samples. */
  readonly pages: number;
  readonly whatIf: readonly ReplayedResult[];
}

export interface ReplayedWhatIf {
  readonly files: readonly string[];
  /** Sample rows replay skipped (as `replay` reports them), per run. */
  readonly rowsRejected: number;
  readonly rules: readonly ReplayedRule[];
}

export interface ReplayedOptions {
  readonly config: Config;
  readonly files: readonly string[];
  readonly candidates: WhatIfCandidates;
  /** Pages count when fired in [since, until); unbounded when undefined. */
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** Before each run: its number (1-based), the number of runs, what it replays. */
  readonly onRun?: (run: number, runs: number, what: string) => void;
}

export async function replayWhatIf(o: ReplayedOptions): Promise<ReplayedWhatIf> {
  const runs: { kind: 'for' | 'keep_firing_for'; ms: number }[] = [
    ...o.candidates.forMs.map((ms) => ({ kind: 'for' as const, ms })),
    ...o.candidates.keepFiringForMs.map((ms) => ({ kind: 'keep_firing_for' as const, ms })),
  ];
  const total = runs.length + 1;
  o.onRun?.(1, total, 'the rules as configured');
  const { pages: base, rejected } = await pagesPerRule(o.config, o);
  const results = new Map<string, ReplayedResult[]>(o.config.rules.map((r) => [r.name, []]));
  for (const [i, c] of runs.entries()) {
    o.onRun?.(i + 2, total, `${c.kind}: ${c.kind === 'for' ? '' : '+'}${c.ms} ms`);
    const applies = new Set<string>();
    const rules = o.config.rules.map((r) => {
      const changed = withCandidate(r, c.kind, c.ms);
      if (changed !== null) applies.add(r.name);
      return changed ?? r;
    });
    const { pages } = await pagesPerRule({ ...o.config, rules }, o);
    for (const r of o.config.rules) {
      results.get(r.name)!.push({ kind: c.kind, ms: c.ms, pages: applies.has(r.name) ? (pages.get(r.name) ?? 0) : null });
    }
  }
  return {
    files: o.files,
    rowsRejected: rejected,
    rules: o.config.rules.map((r) => ({ rule: r.name, pages: base.get(r.name) ?? 0, whatIf: results.get(r.name)! })),
  };
}

/** The rule with the candidate, or null when it cannot take it (a hold in samples plus a duration). */
export function withCandidate(rule: Rule, kind: 'for' | 'keep_firing_for', ms: number): Rule | null {
  if (kind === 'for') return { ...rule, for: { ms } };
  const hold: Hold = rule.keepFiringFor;
  if ('ms' in hold) return { ...rule, keepFiringFor: { ms: hold.ms + ms } };
  return hold.samples === 0 ? { ...rule, keepFiringFor: { ms } } : null;
}

async function pagesPerRule(config: Config, o: ReplayedOptions): Promise<{ pages: Map<string, number>; rejected: number }> {
  const pages = new Map<string, number>();
  let rejected = 0;
  const run = new ReplayRun(config, {
    alert({ event: e }) {
      if (e.reason !== 'fired') return;
      if ((o.since !== undefined && e.ts < o.since) || (o.until !== undefined && e.ts >= o.until)) return;
      pages.set(e.rule, (pages.get(e.rule) ?? 0) + 1);
    },
    reject() {
      rejected++;
    },
  });
  for (const f of o.files) await run.file(f);
  return { pages, rejected };
}
