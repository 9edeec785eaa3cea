/**
 * zod issues → `ConfigIssue`s: one line each, naming the source (via `Provenance`), the key path,
 * what is wrong, the value received and what is allowed. See fields.ts for the conventions the
 * schema's messages follow.
 */

import type { z } from 'zod';
import { describeValue, formatPath, type ConfigIssue, type PathSegment } from './errors.js';
import { describeOrigin, type Provenance } from './sources.js';
import { didYouMean } from './suggest.js';

type Issue = z.core.$ZodIssue;

export function toConfigIssues(zodIssues: readonly Issue[], prov: Provenance): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const iss of zodIssues) {
    const path = iss.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    const at = (p: readonly PathSegment[], message: string, atKey = false): void => {
      out.push({ source: describeOrigin(prov.find(p), p, atKey), path: p, message });
    };
    const where = formatPath(path);
    switch (iss.code) {
      case 'unrecognized_keys': {
        const allowed = allowedKeys(iss.message);
        for (const key of iss.keys) {
          const p = [...path, key];
          const guess = didYouMean(key, allowed);
          const hint = guess === undefined ? '' : ` (did you mean ${guess}?)`;
          at(p, `${formatPath(p)} is not a known key${hint}; allowed: ${allowed.join(', ')}`, true);
        }
        break;
      }
      case 'invalid_key': {
        // A map key (a label name) that fails its own schema; the path ends at the key.
        const what = iss.issues[0]?.message ?? 'a valid key';
        at(path, `${where}: the key must be ${what}, got ${describeValue(path[path.length - 1])}`, true);
        break;
      }
      case 'custom': {
        const kind = (iss.params as { kind?: string } | undefined)?.kind;
        if (kind === 'sentence') at(path, `${where} ${iss.message}`);
        else if (kind === 'note') at(path, `${where}: ${iss.message}`);
        else at(path, field(where, iss));
        break;
      }
      default:
        at(path, field(where, iss));
    }
  }
  // One value can fail several checks with the same "what is allowed" (1.5 for an integer ≥ 2).
  const seen = new Set<string>();
  return out.filter((i) => {
    if (seen.has(i.message)) return false;
    seen.add(i.message);
    return true;
  });
}

/** `<path> must be <what is allowed>, got <value> (<type>)`, or `<path> is required …`. */
function field(where: string, iss: Issue): string {
  const input = (iss as { input?: unknown }).input;
  if (iss.code === 'invalid_type' && input === undefined) return `${where} is required: ${iss.message}`;
  // A zod default message (capitalised) means the schema missed a custom one; still say something useful.
  if (/^[A-Z]/.test(iss.message)) return `${where}: ${iss.message}, got ${describeValue(input)}`;
  return `${where} must be ${iss.message}, got ${describeValue(input)}`;
}

/** fields.ts `strict()` stores the allowed keys as the issue's message (a JSON array). */
function allowedKeys(message: string): string[] {
  try {
    const keys: unknown = JSON.parse(message);
    if (Array.isArray(keys)) return keys.map(String);
  } catch {
    // not one of ours
  }
  return [];
}
