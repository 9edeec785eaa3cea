import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BrokerStartError } from './errors.js';

/** Overrides the artifact cache and run directory (default: `<project root>/.kafka`). */
export const KAFKA_HOME_ENV = 'SIGMAWATCH_KAFKA_HOME';

const POM_RELATIVE = join('src', 'broker', 'pom.xml');

let cachedRoot: string | undefined;

/**
 * The project root: the nearest directory above this module that holds `src/broker/pom.xml`.
 * Works from `src/broker/` (ts sources) and from `dist/src/broker/` (compiled) alike.
 */
export function projectRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, POM_RELATIVE))) return (cachedRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) {
      throw new BrokerStartError(
        'pom-missing',
        `Cannot find ${POM_RELATIVE} in any directory above ${fileURLToPath(import.meta.url)}: ` +
          'the local Kafka broker is assembled from that pom, run sigmawatch from a checkout of the repository ' +
          'or set KAFKA_BROKERS to an existing cluster.',
      );
    }
    dir = parent;
  }
}

/** The pom that lists the Kafka jars. */
export function pomPath(): string {
  return join(projectRoot(), POM_RELATIVE);
}

/** Cache and run directory: `$SIGMAWATCH_KAFKA_HOME`, else `<project root>/.kafka`. */
export function kafkaHome(): string {
  const fromEnv = process.env[KAFKA_HOME_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  return join(projectRoot(), '.kafka');
}

/** Where `mvn dependency:copy-dependencies` puts the Kafka jars (the classpath is `<this>/*`). */
export function kafkaLibDir(): string {
  return join(kafkaHome(), 'lib');
}

/** The state file of the background broker (`sigmawatch broker start`). */
export function stateFilePath(): string {
  return join(kafkaHome(), 'broker.json');
}

/** Broker log files, one per port, kept after the broker stops so a failure can be read. */
export function logsDir(): string {
  return join(kafkaHome(), 'logs');
}

/** Data directory of the broker listening on `port`; removed when that broker stops. */
export function runDir(port: number): string {
  return join(kafkaHome(), `run-${port}`);
}
