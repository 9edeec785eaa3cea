import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { BrokerStartError } from './errors.js';
import { kafkaHome, kafkaLibDir, pomPath } from './paths.js';
import { runCommand, tail, type RunResult } from './processes.js';

/** Written into the lib dir last; holds the hash of the pom the jars were resolved from. */
const MARKER = '.sigmawatch-complete';

// A cold resolve downloads ~50 MB of jars plus Maven's own plugins; give a slow mirror room,
// but not CI's whole budget.
const MVN_TIMEOUT_MS = 10 * 60_000;

const DEPENDENCY_PLUGIN_VERSION = '3.8.1';

export interface EnsureOptions {
  log?: (line: string) => void;
}

/**
 * Makes sure `<kafka home>/lib` holds the jars that src/broker/pom.xml names, and returns it.
 * Fast path: the marker file matches the pom's hash, nothing runs. Otherwise Maven resolves into
 * a temporary directory that replaces lib/ only when complete, so an interrupted resolve is
 * never mistaken for a finished one.
 */
export async function ensureKafkaLib(options: EnsureOptions = {}): Promise<string> {
  const pom = pomPath();
  const libDir = kafkaLibDir();
  const hash = createHash('sha256').update(readFileSync(pom)).digest('hex');
  if (readMarker(libDir) === hash) return libDir;

  const log = options.log ?? (() => {});
  const home = kafkaHome();
  mkdirSync(home, { recursive: true });
  const staging = join(home, `lib.tmp-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });

  log(`resolving Apache Kafka with Maven into ${libDir} (first start only; takes a while on a cold ~/.m2)`);
  const started = Date.now();
  const result = await copyDependencies(pom, staging);
  const output = `${result.stdout}${result.stderr}`;
  const mvnLog = join(home, 'mvn.log');
  writeFileSync(mvnLog, output);
  throwIfMavenFailed(result, output, { pom, staging, mvnLog });

  writeFileSync(join(staging, MARKER), `${hash}\n`);
  if (readMarker(libDir) === hash) {
    // Another process (a parallel `broker start`) finished the same resolve first; keep its copy.
    rmSync(staging, { recursive: true, force: true });
    return libDir;
  }
  rmSync(libDir, { recursive: true, force: true });
  renameSync(staging, libDir);
  log(`resolved Kafka jars in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return libDir;
}

/** Runs Maven to copy the runtime jars that `pom` names into `outputDir`. */
function copyDependencies(pom: string, outputDir: string): Promise<RunResult> {
  return runCommand(
    'mvn',
    [
      '-B', // batch mode: no prompts, no progress bars
      '-ntp',
      '-q',
      '-Dstyle.color=never',
      '-f',
      pom,
      // Full coordinates: no plugin-prefix lookup, and the same plugin version on every machine.
      `org.apache.maven.plugins:maven-dependency-plugin:${DEPENDENCY_PLUGIN_VERSION}:copy-dependencies`,
      `-DoutputDirectory=${outputDir}`,
      '-DincludeScope=runtime',
    ],
    { timeoutMs: MVN_TIMEOUT_MS },
  );
}

/**
 * Throws a `BrokerStartError` if Maven is missing or failed (removing the partial `staging`
 * directory in the latter case); `output` is what it printed, also saved to `mvnLog`.
 */
function throwIfMavenFailed(result: RunResult, output: string, paths: { pom: string; staging: string; mvnLog: string }): void {
  if (result.missing) {
    throw new BrokerStartError(
      'mvn-missing',
      'Cannot start the local Kafka broker: `mvn` (Apache Maven) is not installed. ' +
        'Install it (Debian: apt-get install -y maven) or set KAFKA_BROKERS to an existing cluster.',
    );
  }
  if (result.code !== 0) {
    rmSync(paths.staging, { recursive: true, force: true });
    const how = result.signal === null ? `exit code ${result.code}` : `signal ${result.signal}`;
    const unreachable =
      /Could not (transfer|resolve)|No plugin found for prefix|UnknownHost|Connection (refused|timed out)|Network is unreachable/i.test(
        output,
      );
    throw new BrokerStartError(
      'mvn-failed',
      `Cannot start the local Kafka broker: Maven failed to resolve Kafka from ${paths.pom} (${how}` +
        (result.signal === 'SIGKILL' ? `, killed after ${MVN_TIMEOUT_MS / 60_000} min` : '') +
        ').' +
        (unreachable ? ' Maven Central looks unreachable from this machine.' : '') +
        ` Full output: ${paths.mvnLog}. Last lines:`,
      tail(output, 30) || '(mvn printed nothing)',
    );
  }
}

function readMarker(libDir: string): string | null {
  const marker = join(libDir, MARKER);
  if (!existsSync(marker)) return null;
  return readFileSync(marker, 'utf8').trim();
}
