import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ensureKafkaLib } from './artifacts.js';
import { BrokerStartError } from './errors.js';
import { kafkaHome, kafkaLibDir } from './paths.js';
import { runCommand, type RunResult } from './processes.js';
import { toolsLog4jProperties } from './server-config.js';

// Kafka 3.9 brokers need Java 11 or newer (Java 8 support was dropped for the broker in 3.x).
const MIN_JAVA = 11;

let checkedJava: Promise<string> | undefined;

/**
 * The java executable to use: `$JAVA_HOME/bin/java` when that exists, else `java` on PATH.
 * Checked once per process (`java -version`), so a missing or too old Java fails with a reason.
 */
export function findJava(): Promise<string> {
  checkedJava ??= checkJava();
  return checkedJava;
}

async function checkJava(): Promise<string> {
  const home = process.env.JAVA_HOME;
  const java = home !== undefined && home !== '' && existsSync(join(home, 'bin', 'java')) ? join(home, 'bin', 'java') : 'java';
  const result = await runCommand(java, ['-version'], { timeoutMs: 30_000 });
  if (result.missing || result.code !== 0) {
    checkedJava = undefined; // let a later call try again once Java is installed
    throw new BrokerStartError(
      'java-missing',
      'Cannot start the local Kafka broker: no working `java` found' +
        (java === 'java' ? ' on PATH' : ` at ${java}`) +
        `. Install a JDK or JRE ${MIN_JAVA}+ (Debian: apt-get install -y openjdk-17-jre-headless) ` +
        'or set KAFKA_BROKERS to an existing cluster.',
      result.missing ? '' : `${result.stdout}${result.stderr}`.trim(),
    );
  }
  // `openjdk version "17.0.15"`, `java version "1.8.0_392"`
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  const major = match === null ? NaN : match[1] === '1' ? Number(match[2]) : Number(match[1]);
  if (Number.isFinite(major) && major < MIN_JAVA) {
    checkedJava = undefined;
    throw new BrokerStartError(
      'java-missing',
      `Cannot start the local Kafka broker: ${java} is Java ${major}, Kafka 3.9 needs Java ${MIN_JAVA}+. ` +
        'Point JAVA_HOME at a newer JDK.',
    );
  }
  return java;
}

export interface KafkaJavaOptions {
  /** Maximum heap, e.g. "768m" (`-Xmx`). Default: the JVM's own. */
  heap?: string;
  /** A log4j 1.x properties file; default: WARN and above to stderr. */
  log4jConfig?: string;
  /** Extra JVM flags, placed before the main class. */
  jvmArgs?: readonly string[];
}

/**
 * The argument vector that runs a Kafka main class on the cached classpath:
 * `java [-Xmx..] -Dlog4j.configuration=.. -cp '<lib>/*' <mainClass> <args...>`.
 * The lib dir must already be resolved (see `ensureKafkaLib`).
 */
export function kafkaJavaArgs(mainClass: string, args: readonly string[], options: KafkaJavaOptions = {}): string[] {
  const jvm: string[] = ['-Djava.awt.headless=true'];
  if (options.heap !== undefined) jvm.push(`-Xmx${options.heap}`);
  jvm.push(`-Dlog4j.configuration=file:${options.log4jConfig ?? toolsLog4jConfig()}`);
  jvm.push(...(options.jvmArgs ?? []));
  return [...jvm, '-cp', join(kafkaLibDir(), '*'), mainClass, ...args];
}

/**
 * Spawns a Kafka main class (e.g. `org.apache.kafka.tools.ConsumerPerformance`) with the cached
 * classpath, resolving the jars first if needed. The caller owns the child process.
 */
export async function spawnKafkaMain(
  mainClass: string,
  args: readonly string[],
  options: KafkaJavaOptions & { spawn?: SpawnOptions } = {},
): Promise<ChildProcess> {
  const java = await findJava();
  await ensureKafkaLib();
  return spawn(java, kafkaJavaArgs(mainClass, args, options), options.spawn ?? { stdio: 'inherit' });
}

/** Runs a Kafka main class to completion and returns its exit code and output. */
export async function runKafkaMain(
  mainClass: string,
  args: readonly string[],
  options: KafkaJavaOptions & { timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  const java = await findJava();
  await ensureKafkaLib();
  const runOptions: SpawnOptions & { timeoutMs?: number } = {};
  if (options.timeoutMs !== undefined) runOptions.timeoutMs = options.timeoutMs;
  if (options.cwd !== undefined) runOptions.cwd = options.cwd;
  return runCommand(java, kafkaJavaArgs(mainClass, args, options), runOptions);
}

/** log4j config for command-line tools: warnings and errors only, to stderr. */
function toolsLog4jConfig(): string {
  const path = join(kafkaHome(), 'tools-log4j.properties');
  if (!existsSync(path)) {
    mkdirSync(kafkaHome(), { recursive: true });
    writeFileSync(path, toolsLog4jProperties());
  }
  return path;
}
