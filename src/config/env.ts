/**
 * The environment layer. Applied in this order (a later one wins):
 * 1. `KAFKA_BROKERS` (the variable the broker harness and the tests share);
 * 2. `SIGMAWATCH_<SECTION>__<KEY>[__<KEY>…]`, the generic form: `SIGMAWATCH_KAFKA__SESSION_TIMEOUT_MS=10000`
 *    sets kafka.session_timeout_ms, `SIGMAWATCH_RULES__0__Z=4` sets rules[0].z (in name order);
 * 3. the named ones: `SIGMAWATCH_KAFKA_BROKERS`, `SIGMAWATCH_GROUP_ID`, `SIGMAWATCH_LOG_LEVEL`,
 *    `SIGMAWATCH_HTTP_PORT`.
 * Values are read as YAML (`9000` is a number), except broker lists, the group id and the SASL
 * username and password, which are taken as text (a password `123456` or `a: b` is a password). An empty variable counts as unset. Other `SIGMAWATCH_*` names without `__` are
 * left alone: the prefix is shared with the rest of the program (SIGMAWATCH_CONFIG, harness knobs).
 */

import type { ConfigIssue, PathSegment } from './errors.js';
import { parseScalar, setIn, type Provenance, type Tree } from './sources.js';

const PREFIX = 'SIGMAWATCH_';

/** Keys whose generic variables are text whatever they look like: credentials are never parsed. */
const TEXT_KEYS: ReadonlySet<string> = new Set(['kafka.sasl.password', 'kafka.sasl.username']);

interface Named {
  readonly path: readonly PathSegment[];
  /** Taken as text rather than YAML (a group id `123` stays a string). */
  readonly text: boolean;
}

/** Env var → key. Order within this table is the order of application. */
export const NAMED_ENV: Readonly<Record<string, Named>> = {
  SIGMAWATCH_KAFKA_BROKERS: { path: ['kafka', 'brokers'], text: true },
  SIGMAWATCH_GROUP_ID: { path: ['kafka', 'group_id'], text: true },
  SIGMAWATCH_LOG_LEVEL: { path: ['log', 'level'], text: false },
  SIGMAWATCH_HTTP_PORT: { path: ['http', 'port'], text: false },
};

/** The config file to read when the caller names none. */
export const CONFIG_FILE_ENV = 'SIGMAWATCH_CONFIG';

export function applyEnv(root: Tree, env: NodeJS.ProcessEnv, prov: Provenance, issues: ConfigIssue[]): void {
  const set = (name: string, path: readonly PathSegment[], raw: string, text: boolean): void => {
    const origin = { kind: 'env', name } as const;
    let value: unknown = raw;
    if (!text) {
      const parsed = parseScalar(raw);
      if ('problem' in parsed) {
        issues.push({ source: `env ${name}`, path, message: parsed.problem });
        return;
      }
      value = parsed.value;
    }
    const problem = setIn(root, path, value, origin, prov);
    if (problem !== undefined) issues.push({ source: `env ${name}`, path, message: problem });
  };

  const brokers = env.KAFKA_BROKERS;
  if (brokers) set('KAFKA_BROKERS', ['kafka', 'brokers'], brokers, true);

  const generic = Object.keys(env)
    .filter((name) => name.startsWith(PREFIX) && name.includes('__') && env[name])
    .sort();
  for (const name of generic) {
    const path = name
      .slice(PREFIX.length)
      .toLowerCase()
      .split('__')
      .map((seg): PathSegment => (/^\d+$/.test(seg) ? Number(seg) : seg));
    if (path.some((seg) => seg === '')) {
      issues.push({ source: `env ${name}`, path: [], message: 'the name is not of the form SIGMAWATCH_<SECTION>__<KEY>[__<KEY>…]' });
      continue;
    }
    set(name, path, env[name]!, TEXT_KEYS.has(path.join('.')));
  }

  for (const [name, { path, text }] of Object.entries(NAMED_ENV)) {
    const raw = env[name];
    if (raw) set(name, path, raw, text);
  }
}
