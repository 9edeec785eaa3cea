/**
 * `loadConfig`: default.yaml, then the user's file, then env vars, then `--set` flags, merged
 * (sources.ts), validated against the one schema (schema.ts) and returned deeply frozen.
 * Every problem found is reported at once in a `ConfigError` (exit code 2).
 */

import { existsSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type ConfigIssue } from './errors.js';
import { applyEnv, CONFIG_FILE_ENV } from './env.js';
import { toConfigIssues } from './issues.js';
import { applyOverrides } from './overrides.js';
import { configSchema } from './schema.js';
import { mergeInto, Provenance, readYamlFile, type Tree } from './sources.js';
import type { Config } from './types.js';

export interface LoadConfigOptions {
  /** The user's YAML file; default: $SIGMAWATCH_CONFIG, else none (defaults only). */
  readonly file?: string | undefined;
  /** Default: process.env. Pass `{}` to ignore the environment. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** `--set` flags: dotted key → value (strings are read as YAML). */
  readonly overrides?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Where config/default.yaml is: the repository's (and the npm package's) `config/`, found from
 * this module whether it runs compiled (dist/src/config/) or from source (src/config/).
 */
export function defaultConfigPath(): string {
  const candidates = ['../../../config/default.yaml', '../../config/default.yaml'].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/** Throws `ConfigError` listing every problem; otherwise returns the frozen configuration. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const issues: ConfigIssue[] = [];
  const prov = new Provenance();
  const merged: Tree = {};
  let unreadable = false;

  const files = [displayPath(defaultConfigPath())];
  const userFile = options.file ?? (env[CONFIG_FILE_ENV] || undefined);
  if (userFile !== undefined) files.push(userFile);
  for (const file of files) {
    const layer = readYamlFile(file, issues);
    if (layer === undefined) unreadable = true;
    else mergeInto(merged, layer.tree, layer.origin, prov);
  }
  applyEnv(merged, env, prov, issues);
  applyOverrides(merged, options.overrides ?? {}, prov, issues);
  // A file that could not be parsed leaves nothing sensible to validate.
  if (unreadable) throw new ConfigError(issues);

  const result = configSchema.safeParse(merged, { reportInput: true });
  if (!result.success) issues.push(...toConfigIssues(result.error.issues, prov));
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return deepFreeze(result.data);
}

/** Relative to the working directory when below it: shorter in messages. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
