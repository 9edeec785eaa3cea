import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ensureKafkaLib } from './artifacts.js';
import { BrokerStartError } from './errors.js';
import { findJava, kafkaJavaArgs, runKafkaMain } from './java.js';
import { logsDir, runDir } from './paths.js';
import { freePorts } from './ports.js';
import { isBrokerProcess, tail, terminate } from './processes.js';
import { waitUntilReady } from './readiness.js';
import { pruneLogs, sweepStaleRuns, writeRunOwner } from './run-dirs.js';
import { brokerLog4jProperties, newClusterId, serverProperties } from './server-config.js';

export interface LocalBrokerOptions {
  /**
   * Detached: the broker outlives this process (its own process group, not waited for); used by
   * `sigmawatch broker start`. Attached (default): it is stopped by `stop()` or, failing that,
   * sent SIGTERM when this process exits.
   */
  detached?: boolean;
  /** Progress and noteworthy events (Maven resolving, a port retry). Default: silent. */
  log?: (line: string) => void;
  /** How long to wait for the broker to answer Kafka requests. Default 60 s. */
  readyTimeoutMs?: number;
  /** JVM maximum heap. Default "768m". */
  heap?: string;
}

export interface LocalBroker {
  /** Bootstrap address, "127.0.0.1:PORT". */
  brokers: string;
  /** The SASL_PLAINTEXT listener (mechanism PLAIN, LOCAL_SASL_USER / LOCAL_SASL_PASSWORD). */
  saslBrokers: string;
  pid: number;
  /** Fresh KRaft data directory; removed by `stop()`. */
  dataDir: string;
  /** The broker's log (log4j and JVM output); kept after `stop()`. */
  logFile: string;
  /** SIGTERM, SIGKILL after 20 s, then removes `dataDir`. Safe to call more than once. */
  stop(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 60_000;
const DEFAULT_HEAP = '768m';
// Ports are chosen free but released before Kafka binds them; retry if another process won the race.
const MAX_PORT_ATTEMPTS = 3;

/**
 * Starts a single-node Kafka 3.9 (KRaft, combined broker + controller) on free loopback ports,
 * with a freshly formatted data directory, and resolves once it answers Kafka requests.
 * The first start on a machine resolves the jars with Maven; later starts take a few seconds.
 * Fails with a `BrokerStartError` whose `reason` says what to fix.
 */
export async function startLocalBroker(options: LocalBrokerOptions = {}): Promise<LocalBroker> {
  const log = options.log ?? (() => {});
  const java = await findJava();
  await ensureKafkaLib({ log });
  await sweepStaleRuns(log);
  pruneLogs();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(java, options);
    } catch (error) {
      if (error instanceof BrokerStartError && error.reason === 'port-taken' && attempt < MAX_PORT_ATTEMPTS) {
        log(`${error.message.split('\n')[0]}; retrying on other ports`);
        continue;
      }
      throw error;
    }
  }
}

async function startOnce(java: string, options: LocalBrokerOptions): Promise<LocalBroker> {
  const run = planRun((await freePorts(3)) as [number, number, number]);
  writeRunDir(run);
  await formatDataDir(run);

  const detached = options.detached ?? false;
  const broker = await spawnBroker(java, run, options.heap ?? DEFAULT_HEAP, detached);
  const { pid } = broker;
  writeRunOwner(run.dataDir, { pid, ownerPid: detached ? null : process.pid });
  // Safety net for an attached broker whose owner exits without stop() (or mid-start, e.g. on
  // Ctrl-C): Kafka shuts itself down on SIGTERM, and the next start sweeps the data directory.
  const onExit = (): void => {
    if (isBrokerProcess(pid, run.dataDir)) process.kill(pid, 'SIGTERM');
  };
  if (!detached) process.once('exit', onExit);

  await waitForBroker(run, broker, onExit, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  if (detached) broker.child.unref();
  return brokerHandle(run, pid, onExit);
}

/** Where one broker run lives: its ports and the files under its fresh data directory. */
interface RunPlan {
  port: number;
  controllerPort: number;
  saslPort: number;
  /** "127.0.0.1:PORT". */
  brokers: string;
  dataDir: string;
  logFile: string;
  propertiesFile: string;
  log4jFile: string;
}

function planRun([port, controllerPort, saslPort]: [number, number, number]): RunPlan {
  const dataDir = runDir(port);
  return {
    port,
    controllerPort,
    saslPort,
    brokers: `127.0.0.1:${port}`,
    dataDir,
    logFile: join(logsDir(), `broker-${port}.log`),
    propertiesFile: join(dataDir, 'server.properties'),
    log4jFile: join(dataDir, 'log4j.properties'),
  };
}

/** Replaces the data directory with an empty one holding the broker's configuration. */
function writeRunDir(run: RunPlan): void {
  const { port, controllerPort, saslPort, dataDir } = run;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(dataDir, 'kafka-logs'), { recursive: true });
  mkdirSync(logsDir(), { recursive: true });
  writeFileSync(run.propertiesFile, serverProperties({ port, controllerPort, saslPort, logDir: join(dataDir, 'kafka-logs') }));
  writeFileSync(run.log4jFile, brokerLog4jProperties());
}

/** Formats the KRaft data directory with a new cluster id; removes the directory if that fails. */
async function formatDataDir(run: RunPlan): Promise<void> {
  const format = await runKafkaMain('kafka.tools.StorageTool', ['format', '-t', newClusterId(), '-c', run.propertiesFile], {
    timeoutMs: 60_000,
  });
  if (format.code !== 0) {
    rmSync(run.dataDir, { recursive: true, force: true });
    throw new BrokerStartError(
      'format-failed',
      `Cannot start the local Kafka broker: formatting the KRaft directory ${run.dataDir} failed (exit code ${format.code}). Output:`,
      tail(`${format.stdout}${format.stderr}`, 30),
    );
  }
}

/** The broker's JVM, running, and how it ended once it has (null while it runs). */
interface SpawnedBroker {
  child: ChildProcess;
  pid: number;
  exited(): string | null;
}

/** Spawns the broker JVM with its output in the run's log file; fails if it could not be spawned. */
async function spawnBroker(java: string, run: RunPlan, heap: string, detached: boolean): Promise<SpawnedBroker> {
  const fd = openSync(run.logFile, 'w');
  const child = spawn(
    java,
    kafkaJavaArgs('kafka.Kafka', [run.propertiesFile], {
      heap,
      log4jConfig: run.log4jFile,
      jvmArgs: ['-XX:+ExitOnOutOfMemoryError'],
    }),
    { cwd: run.dataDir, detached, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  let exited: string | null = null;
  child.on('exit', (code, signal) => {
    exited = signal === null ? `exit code ${code}` : `signal ${signal}`;
  });
  child.on('error', (error) => {
    exited = `spawn error: ${error.message}`;
  });
  const pid = child.pid;
  if (pid === undefined) {
    // 'error' is emitted on the next tick; the pid is missing only when spawning failed.
    await new Promise((resolve) => setImmediate(resolve));
    throw new BrokerStartError(
      'exited-early',
      `Cannot start the local Kafka broker: spawning ${java} failed (${exited ?? 'unknown error'}).`,
    );
  }
  return { child, pid, exited: () => exited };
}

/**
 * Resolves once the broker answers Kafka requests. Otherwise stops it (if it still runs), drops
 * the exit safety net and the data directory, and throws a `BrokerStartError` saying why.
 */
async function waitForBroker(run: RunPlan, broker: SpawnedBroker, onExit: () => void, readyTimeoutMs: number): Promise<void> {
  const readiness = await waitUntilReady(run.brokers, { timeoutMs: readyTimeoutMs, hasExited: () => broker.exited() !== null });
  if (readiness.ready) return;
  // Read the log before stopping the broker: its shutdown would bury what went wrong.
  const logText = readLog(run.logFile);
  if (broker.exited() === null) await terminate(broker.pid, 5_000);
  process.removeListener('exit', onExit);
  rmSync(run.dataDir, { recursive: true, force: true });
  const logTail = summarizeLog(logText);
  if (/Address already in use|BindException/.test(logText)) {
    throw new BrokerStartError(
      'port-taken',
      `Cannot start the local Kafka broker: port ${run.port} or ${run.controllerPort} on 127.0.0.1 was taken by another process before Kafka bound it. From ${run.logFile}:`,
      logTail,
    );
  }
  if (readiness.why === 'exited') {
    throw new BrokerStartError(
      'exited-early',
      `Cannot start the local Kafka broker: it exited (${broker.exited()}) before it became ready. From ${run.logFile}:`,
      logTail,
    );
  }
  throw new BrokerStartError(
    'not-ready',
    `Cannot start the local Kafka broker: it did not answer Kafka requests on ${run.brokers} within ` +
      `${readyTimeoutMs / 1000} s (last probe: ${readiness.lastError}). From ${run.logFile}:`,
    logTail,
  );
}

function brokerHandle(run: RunPlan, pid: number, onExit: () => void): LocalBroker {
  let stopping: Promise<void> | undefined;
  return {
    brokers: run.brokers,
    saslBrokers: `127.0.0.1:${run.saslPort}`,
    pid,
    dataDir: run.dataDir,
    logFile: run.logFile,
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', onExit);
        await stopBrokerProcess(pid, run.dataDir);
      })();
      return stopping;
    },
  };
}

function readLog(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8');
  } catch (error) {
    return `(cannot read ${logFile}: ${(error as Error).message})`;
  }
}

/**
 * What to show of a failed broker's log: its first ERROR/FATAL lines (the cause; Kafka logs
 * hundreds of shutdown lines after it) and its last lines (how it ended).
 */
function summarizeLog(text: string): string {
  const LAST = 15;
  const lines = text.trimEnd().split('\n');
  const isError = (line: string): boolean => /^\[[^\]]*\] (ERROR|FATAL) |^(Caused by|Error|Exception)[: ]/.test(line);
  const firstError = lines.findIndex(isError);
  const last = tail(text, LAST);
  if (firstError === -1 || firstError >= lines.length - LAST) return last;
  const errors = lines
    .slice(firstError, lines.length - LAST)
    .filter(isError)
    .slice(0, 8);
  return `first errors:\n${errors.join('\n')}\n...\nlast lines:\n${last}`;
}

/** Stops the broker `pid` that runs on `dataDir` (if it still does) and removes `dataDir`. */
export async function stopBrokerProcess(pid: number, dataDir: string): Promise<void> {
  if (isBrokerProcess(pid, dataDir)) await terminate(pid);
  rmSync(dataDir, { recursive: true, force: true });
}
