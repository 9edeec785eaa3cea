import { brokerStatus, BrokerStartError, kafkaHome, startBackgroundBroker, stopBackgroundBroker } from '../broker/index.js';

const USAGE = `Usage: sigmawatch broker <command>

Runs a local single-node Apache Kafka 3.9 (KRaft) on a free 127.0.0.1 port, in the background,
for the demo, manual testing and benchmarks. The first start resolves Kafka's jars with Maven
(cached in ${'$'}SIGMAWATCH_KAFKA_HOME, default <project>/.kafka); later starts take seconds.

Commands:
  start    start the background broker (or keep the running one) and print
           KAFKA_BROKERS=127.0.0.1:PORT on stdout, e.g.  export $(sigmawatch broker start)
  stop     stop it and delete its data
  status   say whether it runs; exit code 0 if it runs and answers, 1 otherwise
  --help   this text

Tests and the demo start their own broker when KAFKA_BROKERS is unset and none runs.`;

/** `sigmawatch broker ...`; returns the process exit code. */
export async function brokerCommand(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? process.stderr : process.stdout).write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (rest.length > 0) {
    process.stderr.write(`sigmawatch broker ${command}: unexpected argument ${JSON.stringify(rest[0])}\n\n${USAGE}\n`);
    return 2;
  }
  try {
    switch (command) {
      case 'start':
        return await start();
      case 'stop':
        return await stop();
      case 'status':
        return await status();
      default:
        process.stderr.write(`sigmawatch broker: unknown command ${JSON.stringify(command)}\n\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof BrokerStartError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function start(): Promise<number> {
  const began = Date.now();
  const { state, alreadyRunning } = await startBackgroundBroker({
    log: (line) => process.stderr.write(`broker: ${line}\n`),
  });
  if (alreadyRunning) {
    process.stderr.write(`broker: already running (pid ${state.pid}, since ${state.startedAt})\n`);
  } else {
    const seconds = ((Date.now() - began) / 1000).toFixed(1);
    process.stderr.write(`broker: started pid ${state.pid} in ${seconds} s; log ${state.logFile}\n`);
  }
  // stdout carries only this line, so that `export $(sigmawatch broker start)` works.
  process.stdout.write(`KAFKA_BROKERS=${state.brokers}\n`);
  return 0;
}

async function stop(): Promise<number> {
  const { stopped, state } = await stopBackgroundBroker();
  if (stopped && state !== null) {
    process.stdout.write(`stopped the broker on ${state.brokers} (pid ${state.pid})\n`);
  } else if (state !== null) {
    process.stdout.write(`the broker on ${state.brokers} (pid ${state.pid}) was not running; cleaned up its state\n`);
  } else {
    process.stdout.write('no background broker is running\n');
  }
  return 0;
}

async function status(): Promise<number> {
  const { running, responding, state, stale } = await brokerStatus();
  if (state === null) {
    process.stdout.write(`not running (no state file in ${kafkaHome()})\n`);
    return 1;
  }
  if (stale) {
    process.stdout.write(
      `not running: pid ${state.pid} (started ${state.startedAt}) is gone; \`sigmawatch broker stop\` cleans up.\n` +
        `log:     ${state.logFile}\n`,
    );
    return 1;
  }
  process.stdout.write(
    [
      running && responding ? 'running' : 'running but not answering Kafka requests',
      `brokers: ${state.brokers}`,
      `pid:     ${state.pid}`,
      `since:   ${state.startedAt}`,
      `data:    ${state.dataDir}`,
      `log:     ${state.logFile}`,
      '',
    ].join('\n'),
  );
  return running && responding ? 0 : 1;
}
