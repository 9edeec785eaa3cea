/**
 * The one test entry point (`npm test`): starts a local Kafka broker for the whole run unless
 * KAFKA_BROKERS names one, runs every compiled test file with node's test runner, stops the
 * broker, and exits with the runner's code.
 *
 *   node dist/test/run-tests.js [filter...]   only files whose path contains one of the filters
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BrokerStartError, startLocalBroker, type LocalBroker } from '../src/broker/index.js';

// No single test may hang the run (CI has a budget); tests set tighter bounds themselves.
const PER_TEST_TIMEOUT_MS = 5 * 60_000;

const compiledTestDir = dirname(fileURLToPath(import.meta.url)); // dist/test
const projectRoot = join(compiledTestDir, '..', '..');
const sourceTestDir = join(projectRoot, 'test');

function say(line: string): void {
  process.stderr.write(`[run-tests] ${line}\n`);
}

/**
 * Every `*.test.js` under dist/test, sorted, whose `.ts` source still exists (dist/ can hold
 * the output of a deleted test), filtered by substring when filters are given.
 */
function findTestFiles(filters: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.js')) found.push(path);
    }
  };
  walk(compiledTestDir);
  return found
    .filter((path) => {
      const rel = relative(compiledTestDir, path);
      const hasSource = existsSync(join(sourceTestDir, rel.replace(/\.js$/, '.ts')));
      if (!hasSource) say(`ignoring ${relative(projectRoot, path)}: its source test/${rel.replace(/\.js$/, '.ts')} is gone`);
      return hasSource;
    })
    .filter((path) => filters.length === 0 || filters.some((filter) => relative(projectRoot, path).split(sep).join('/').includes(filter)))
    .sort();
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = findTestFiles(filters);
  if (files.length === 0) {
    say(
      filters.length === 0 ? 'no test files under dist/test' : `no test file matches ${filters.map((f) => JSON.stringify(f)).join(', ')}`,
    );
    return 1;
  }

  // The broker being started or running; a signal during its start waits for it, then stops it.
  let broker: Promise<LocalBroker> | undefined;
  let runner: ChildProcess | undefined;
  let stopping = false;
  const stopBroker = async (): Promise<void> => {
    const current = broker;
    broker = undefined;
    // A start that failed has cleaned up after itself and was reported by main().
    if (current !== undefined) await (await current.catch(() => undefined))?.stop();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping the tests and the broker`);
    runner?.kill(signal);
    void stopBroker().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  try {
    let brokers = process.env.KAFKA_BROKERS ?? '';
    // The SASL/PLAIN listener of the local broker (authentication tests); an external cluster
    // may name one in KAFKA_SASL_BROKERS.
    let saslBrokers = process.env.KAFKA_SASL_BROKERS ?? '';
    if (brokers.trim() !== '') {
      say(`Kafka: KAFKA_BROKERS=${brokers} (given; nothing started)`);
    } else {
      const began = Date.now();
      let started: LocalBroker;
      try {
        broker = startLocalBroker({ log: (line) => say(`Kafka: ${line}`) });
        started = await broker;
      } catch (error) {
        if (error instanceof BrokerStartError) {
          say(`${error.message}\n[run-tests] No test was run: the integration tests need a broker.`);
          return 1;
        }
        throw error;
      }
      brokers = started.brokers;
      saslBrokers = started.saslBrokers;
      const seconds = ((Date.now() - began) / 1000).toFixed(1);
      say(`Kafka: local broker ${brokers} started in ${seconds} s (pid ${started.pid}, log ${relative(process.cwd(), started.logFile)})`);
    }
    if (stopping) return 1;

    runner = spawn(process.execPath, ['--enable-source-maps', '--test', `--test-timeout=${PER_TEST_TIMEOUT_MS}`, ...files], {
      stdio: 'inherit',
      env: { ...process.env, KAFKA_BROKERS: brokers, KAFKA_SASL_BROKERS: saslBrokers, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    });
    const child = runner;
    const code = await new Promise<number>((resolve) => {
      child.on('error', (error) => {
        say(`cannot run node's test runner: ${error.message}`);
        resolve(1);
      });
      child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal === null ? 1 : 128)));
    });
    return code;
  } finally {
    if (!stopping) await stopBroker();
  }
}

process.exitCode = await main();
