/**
 * `ConfigError`: everything wrong with a configuration, one problem per line, each naming where
 * the value came from (file:line:column, env var or `--set` flag), the key path, what is wrong,
 * the value received and what is allowed. The CLI prints the message and exits with `exitCode`.
 */

export type PathSegment = string | number;

/** One problem. `message` starts with the key path when there is one (`rules[0].window must be …`). */
export interface ConfigIssue {
  /** `config/prod.yaml:12:5`, `env SIGMAWATCH_HTTP_PORT`, `--set http.port`, or `config`. */
  readonly source: string;
  readonly path: readonly PathSegment[];
  readonly message: string;
}

export class ConfigError extends Error {
  /** Exit status for a configuration the program refuses to start with (usage error). */
  readonly exitCode = 2;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((i) => `${i.source}: ${i.message}`).join('\n'));
    this.name = 'ConfigError';
    this.issues = Object.freeze([...issues]);
  }
}

/** `rules[0].match.labels.env`; keys that are not identifiers are quoted: `labels["a.b"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '(top level)' : out;
}

const MAX_SHOWN = 60;

/** `1.5 (number)`, `"abc" (string)`, `null`, `[1,2] (array)`: the "got …" part of a message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  const type = Array.isArray(value) ? 'array' : typeof value;
  let shown: string;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') shown = String(value);
  else {
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = String(value);
    }
  }
  if (shown.length > MAX_SHOWN) shown = `${shown.slice(0, MAX_SHOWN - 1)}…`;
  return `${shown} (${type})`;
}
