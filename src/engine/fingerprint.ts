/**
 * The rules' fingerprint: what a checkpoint was computed under. A partition's state is only
 * meaningful under the rules that built it (which rule each series follows, its ring length, the
 * statistics kept), so a checkpoint written under other rules is refused and the partition learns
 * from the data again.
 *
 * FNV-1a 64 of the rules' JSON without `labels` and `annotations`: those only decorate alert
 * events, and editing a runbook link should not throw away every partition's history.
 */
import type { Rule } from '../core/rule.js';
import { fnv1a64Hex } from '../codec/alerts.js';

/** Rule fields that shape no state and no score. */
const PRESENTATION_ONLY = new Set(['labels', 'annotations']);

/** 16 hex digits. */
export function rulesFingerprint(rules: readonly Rule[]): string {
  const json = JSON.stringify(rules, (key, value: unknown) => (PRESENTATION_ONLY.has(key) ? undefined : value));
  return fnv1a64Hex(new TextEncoder().encode(json));
}
