/**
 * `sigmawatch ingest [--config FILE] [--set key=value]...` — pipeline topics to the metrics topic.
 *
 * Start-up: validate the configuration (exit 2 naming the key; `ingest.topics` must list at least
 * one topic, none of them the metrics or dead-letter topic), take the brokers as `run` does, serve
 * /metrics /healthz /readyz on http.host:ingest.http_port, join ingest.group_id.
 * SIGTERM / SIGINT: stop fetching, finish the batch in hand (produce, commit), leave the group,
 * exit 0 — or 1 after shutdown.deadline.
 */
import { ConfigError, type Config } from '../config/index.js';
import type { Logger } from '../observe/logger.js';
import { IngestStage } from '../ingest/stage.js';
import { createIngestMetrics } from '../ingest/metrics.js';
import { createDecoder, sniffFormat } from '../ingest/formats/index.js';
import { INGEST_FORMATS } from '../ingest/format.js';
import { requireBrokersUnlessLocal, runServiceProcess, serviceCommand } from './service-process.js';

const USAGE = `Usage: sigmawatch ingest [--config FILE] [--set key=value]...

Reads unkeyed pipeline topics (ingest.topics: each {topic, format}), turns every sample into its
canonical series id and produces records keyed by it to kafka.topics.metrics (compact msgpack, up to
ingest.max_points_per_record points of one series per record), so that every sample of a series
reaches the same worker. Records that cannot be decoded go whole to kafka.topics.dead_letter with
the reason. Offsets are committed once the broker has acknowledged the batch's output. Run N of
them with the same ingest.group_id to share the input partitions. Serves /metrics, /healthz,
/readyz on http.host:ingest.http_port.

Formats: ${INGEST_FORMATS.join(', ')},
or auto (each record's format sniffed; one that fits none goes to the dead-letter topic).

Options:
  -c, --config FILE    configuration file (YAML), layered over config/default.yaml
      --set KEY=VALUE  override one key, e.g.
                       --set 'ingest.topics=[{topic: prometheus, format: prometheus-kafka-adapter}]'
      --local-broker   no brokers configured: use the local development broker of
                       'sigmawatch broker start', or start one for this process
  -h, --help           this text

Exit codes: 0 after a clean shutdown, 1 on a runtime failure, 2 on a usage or configuration error.`;

export function ingestCommand(args: string[]): Promise<number> {
  return serviceCommand(args, {
    name: 'ingest',
    subject: 'ingest',
    usage: USAGE,
    loggerName: 'sigmawatch-ingest',
    check: checkIngestConfig,
    run: runIngest,
  });
}

/** What only ingest needs of a configuration that is otherwise valid. */
export function checkIngestConfig(config: Config, localBroker: boolean): void {
  const { topics } = config.ingest;
  const k = config.kafka.topics;
  if (topics.length === 0) {
    throw new ConfigError([
      {
        source: 'config',
        path: ['ingest', 'topics'],
        message:
          "ingest.topics must list at least one {topic, format} (e.g. --set 'ingest.topics=[{topic: prometheus, format: prometheus-kafka-adapter}]'), got [] (array)",
      },
    ]);
  }
  const loops = topics.flatMap((t, i) =>
    t.topic === k.metrics || t.topic === k.deadLetter
      ? [
          {
            source: 'config',
            path: ['ingest', 'topics', i, 'topic'],
            message: `ingest.topics[${i}].topic is ${JSON.stringify(t.topic)}, which is ${t.topic === k.metrics ? 'kafka.topics.metrics' : 'kafka.topics.dead_letter'}: ingest writes there, so it would read its own output`,
          },
        ]
      : [],
  );
  if (loops.length > 0) throw new ConfigError(loops);
  requireBrokersUnlessLocal(config, localBroker);
}

function runIngest(config: Config, logger: Logger): Promise<number> {
  const metrics = createIngestMetrics();
  return runServiceProcess(config, logger, {
    httpPort: config.ingest.httpPort,
    create: (brokers, onFatal) =>
      new IngestStage({ config, brokers, logger, metrics, decoderFor: (format) => createDecoder(format), sniff: sniffFormat, onFatal }),
    registry: () => metrics.registry,
  });
}
