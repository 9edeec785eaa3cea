/**
 * Shared command-line handling: `--config FILE` and repeated `--set key=value` for every command
 * that reads the configuration, and the usage error (exit code 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, ConfigError, type Config } from '../config/index.js';

export class UsageError extends Error {
  readonly exitCode = 2;
}

export const CONFIG_OPTIONS = {
  config: { type: 'string', short: 'c' },
  set: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** `--set a.b=1 --set c=x` → {"a.b": "1", c: "x"} (values are read as YAML by the loader). */
export function setFlags(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set needs key=value (for example --set http.port=9000), got ${JSON.stringify(v)}`);
    out[v.slice(0, eq).trim()] = v.slice(eq + 1);
  }
  return out;
}

export function loadConfigFromFlags(values: { config?: string | undefined; set?: string[] | undefined }): Config {
  return loadConfig({ file: values.config, overrides: setFlags(values.set) });
}

/** Prints what went wrong and returns the exit code: 2 for usage and config errors, 1 otherwise. */
export function reportError(e: unknown, command: string): number {
  if (e instanceof ConfigError) {
    process.stderr.write(`sigmawatch ${command}: invalid configuration:\n${e.message}\n`);
    return 2;
  }
  if (e instanceof UsageError) {
    process.stderr.write(`sigmawatch ${command}: ${e.message}\nRun 'sigmawatch ${command} --help' for usage.\n`);
    return 2;
  }
  process.stderr.write(`sigmawatch ${command}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 1;
}
