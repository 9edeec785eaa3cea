/**
 * `sigmawatch run [--config FILE] [--set key=value]...` — the worker process.
 *
 * Start-up: validate the configuration (exit 2 on any problem, naming the key), take the brokers
 * from KAFKA_BROKERS / kafka.brokers (or, with --local-broker only, the local development broker),
 * serve /metrics /healthz /readyz,
 * join the consumer group. SIGTERM / SIGINT: stop fetching, finish the batch in hand, produce,
 * commit, leave the group, exit 0 — or exit 1 if that takes longer than shutdown.deadline.
 */
import type { Config } from '../config/index.js';
import type { Logger } from '../observe/logger.js';
import { createMetrics } from '../observe/metrics.js';
import { Worker } from '../kafka/worker.js';
import { requireBrokersUnlessLocal, runServiceProcess, serviceCommand } from './service-process.js';

const USAGE = `Usage: sigmawatch run [--config FILE] [--set key=value]...

Runs one worker of the consumer group: consumes samples from kafka.topics.metrics, publishes
alert events to kafka.topics.alerts and undecodable records to kafka.topics.dead_letter.
Run N of them with the same kafka.group_id to share the partitions.

Options:
  -c, --config FILE    configuration file (YAML), layered over config/default.yaml
      --set KEY=VALUE  override one key, e.g. --set http.port=9465 (repeatable)
      --local-broker   no brokers configured: use the local development broker of
                       'sigmawatch broker start', or start one for this process
  -h, --help           this text

Brokers: KAFKA_BROKERS or kafka.brokers. Without either, run refuses to start (exit 2) unless
--local-broker asks for the development broker.
Exit codes: 0 after a clean shutdown, 1 on a runtime failure (including a consumer that crashed
and will not restart), 2 on a usage or configuration error.`;

export function runCommand(args: string[]): Promise<number> {
  // The logger keeps the name 'sigmawatch': the worker is the main process.
  return serviceCommand(args, {
    name: 'run',
    subject: 'worker',
    usage: USAGE,
    loggerName: 'sigmawatch',
    check: requireBrokersUnlessLocal,
    run: runWorker,
  });
}

function runWorker(config: Config, logger: Logger): Promise<number> {
  const metrics = createMetrics();
  return runServiceProcess(config, logger, {
    httpPort: config.http.port,
    create: (brokers, onFatal) => new Worker({ config, brokers, logger, metrics, onFatal }),
    registry: () => metrics.registry,
  });
}
