import { spawn } from 'node:child_process';
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
  const [port, controllerPort, saslPort] = (await freePorts(3)) as [number, number, number];
  const brokers = `127.0.0.1:${port}`;
  const dataDir = runDir(port);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(dataDir, 'kafka-logs'), { recursive: true });
  mkdirSync(logsDir(), { recursive: true });
  const logFile = join(logsDir(), `broker-${port}.log`);
  const propertiesFile = join(dataDir, 'server.properties');
  const log4jFile = join(dataDir, 'log4j.properties');
  writeFileSync(propertiesFile, serverProperties({ port, controllerPort, saslPort, logDir: join(dataDir, 'kafka-logs') }));
  writeFileSync(log4jFile, brokerLog4jProperties());

  const format = await runKafkaMain('kafka.tools.StorageTool', ['format', '-t', newClusterId(), '-c', propertiesFile], {
    timeoutMs: 60_000,
  });
  if (format.code !== 0) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new BrokerStartError(
      'format-failed',
      `Cannot start the local Kafka broker: formatting the KRaft directory ${dataDir} failed (exit code ${format.code}). Output:`,
      tail(`${format.stdout}${format.stderr}`, 30),
    );
  }

  const detached = options.detached ?? false;
  const fd = openSync(logFile, 'w');
  const child = spawn(
    java,
    kafkaJavaArgs('kafka.Kafka', [propertiesFile], {
      heap: options.heap ?? DEFAULT_HEAP,
      log4jConfig: log4jFile,
      jvmArgs: ['-XX:+ExitOnOutOfMemoryError'],
    }),
    { cwd: dataDir, detached, stdio: ['ignore', fd, fd] },
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
    throw new BrokerStartError('exited-early', `Cannot start the local Kafka broker: spawning ${java} failed (${exited ?? 'unknown error'}).`);
  }
  writeRunOwner(dataDir, { pid, ownerPid: detached ? null : process.pid });
  // Safety net for an attached broker whose owner exits without stop() (or mid-start, e.g. on
  // Ctrl-C): Kafka shuts itself down on SIGTERM, and the next start sweeps the data directory.
  const onExit = (): void => {
    if (isBrokerProcess(pid, dataDir)) process.kill(pid, 'SIGTERM');
  };
  if (!detached) process.once('exit', onExit);

  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const readiness = await waitUntilReady(brokers, { timeoutMs: readyTimeoutMs, hasExited: () => exited !== null });
  if (!readiness.ready) {
    // Read the log before stopping the broker: its shutdown would bury what went wrong.
    const logText = readLog(logFile);
    if (exited === null) await terminate(pid, 5_000);
    process.removeListener('exit', onExit);
    rmSync(dataDir, { recursive: true, force: true });
    const logTail = summarizeLog(logText);
    if (/Address already in use|BindException/.test(logText)) {
      throw new BrokerStartError(
        'port-taken',
        `Cannot start the local Kafka broker: port ${port} or ${controllerPort} on 127.0.0.1 was taken by another process before Kafka bound it. From ${logFile}:`,
        logTail,
      );
    }
    if (readiness.why === 'exited') {
      throw new BrokerStartError(
        'exited-early',
        `Cannot start the local Kafka broker: it exited (${exited}) before it became ready. From ${logFile}:`,
        logTail,
      );
    }
    throw new BrokerStartError(
      'not-ready',
      `Cannot start the local Kafka broker: it did not answer Kafka requests on ${brokers} within ` +
        `${readyTimeoutMs / 1000} s (last probe: ${readiness.lastError}). From ${logFile}:`,
      logTail,
    );
  }

  let stopping: Promise<void> | undefined;
  if (detached) child.unref();
  return {
    brokers,
    saslBrokers: `127.0.0.1:${saslPort}`,
    pid,
    dataDir,
    logFile,
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', onExit);
        await stopBrokerProcess(pid, dataDir);
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
  const errors = lines.slice(firstError, lines.length - LAST).filter(isError).slice(0, 8);
  return `first errors:\n${errors.join('\n')}\n...\nlast lines:\n${last}`;
}

/** Stops the broker `pid` that runs on `dataDir` (if it still does) and removes `dataDir`. */
export async function stopBrokerProcess(pid: number, dataDir: string): Promise<void> {
  if (isBrokerProcess(pid, dataDir)) await terminate(pid);
  rmSync(dataDir, { recursive: true, force: true });
}
