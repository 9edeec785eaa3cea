/**
 * The flag layer, applied last: dotted keys with values, as the CLI's `--set key=value` gives
 * them (`{"http.port": "9000", "rules[0].z": "4"}`). String values are read as YAML (`9000` is a
 * number, `"9000"` a string, `[a:9092, b:9092]` a list); other values are used as they are.
 */

import type { ConfigIssue } from './errors.js';
import { parseKeyPath, parseScalar, setIn, type Provenance, type Tree } from './sources.js';

export function applyOverrides(root: Tree, overrides: Readonly<Record<string, unknown>>, prov: Provenance, issues: ConfigIssue[]): void {
  for (const [key, raw] of Object.entries(overrides)) {
    const source = `--set ${key}`;
    const path = parseKeyPath(key);
    if (path === undefined || path.length === 0) {
      issues.push({ source, path: [], message: `"${key}" is not a key path; write it like http.port or rules[0].z` });
      continue;
    }
    let value = raw;
    if (typeof raw === 'string') {
      const parsed = parseScalar(raw);
      if ('problem' in parsed) {
        issues.push({ source, path, message: parsed.problem });
        continue;
      }
      value = parsed.value;
    }
    const problem = setIn(root, path, value, { kind: 'flag', key }, prov);
    if (problem !== undefined) issues.push({ source, path, message: problem });
  }
}
