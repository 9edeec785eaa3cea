import { randomBytes } from 'node:crypto';

/** What differs between two local brokers; everything else is fixed below. */
export interface ServerLayout {
  /** Client listener on 127.0.0.1. */
  port: number;
  /** KRaft controller listener on 127.0.0.1. */
  controllerPort: number;
  /** SASL/PLAIN client listener on 127.0.0.1 (user LOCAL_SASL_USER), for tests of authentication. */
  saslPort: number;
  /** Kafka's log.dirs (also holds the metadata log). */
  logDir: string;
}

/** The one SASL/PLAIN account of the local broker (a test broker on loopback: not a secret). */
export const LOCAL_SASL_USER = 'sigmawatch';
export const LOCAL_SASL_PASSWORD = 'sigmawatch-local';

/** The node id of the single combined broker + controller. */
const NODE_ID = 1;

/**
 * server.properties for a single-node KRaft test broker: combined broker and controller,
 * loopback only, replication 1 everywhere, no topic auto-creation (tests create what they use,
 * so a typo fails instead of silently creating a topic), and no rebalance delay (a group's first
 * join would otherwise wait 3 s).
 */
export function serverProperties(layout: ServerLayout): string {
  const { port, controllerPort, saslPort, logDir } = layout;
  const entries: Array<[string, string | number | boolean]> = [
    ['process.roles', 'broker,controller'],
    ['node.id', NODE_ID],
    ['controller.quorum.voters', `${NODE_ID}@127.0.0.1:${controllerPort}`],
    ['listeners', `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort},CONTROLLER://127.0.0.1:${controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT'],
    ['sasl.enabled.mechanisms', 'PLAIN'],
    [
      'listener.name.sasl_plaintext.plain.sasl.jaas.config',
      `org.apache.kafka.common.security.plain.PlainLoginModule required user_${LOCAL_SASL_USER}="${LOCAL_SASL_PASSWORD}";`,
    ],
    ['log.dirs', logDir],

    ['auto.create.topics.enable', false],
    ['delete.topic.enable', true],
    ['num.partitions', 1],
    ['default.replication.factor', 1],
    ['min.insync.replicas', 1],
    ['offsets.topic.replication.factor', 1],
    // 50 partitions by default; a handful is plenty for one node and makes the first group join faster.
    ['offsets.topic.num.partitions', 8],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['transaction.state.log.num.partitions', 8],
    ['group.initial.rebalance.delay.ms', 0],

    // Sized for a 2-core machine and a 768 MB heap: the cleaner's 128 MB default buffer is waste here.
    ['num.network.threads', 2],
    ['num.io.threads', 4],
    ['log.cleaner.dedupe.buffer.size', 16 * 1024 * 1024],
  ];
  return `# Written by sigmawatch src/broker; regenerated on every start.\n${entries
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('\n')}\n`;
}

/** log4j 1.x config for the broker: INFO to stdout (redirected to the log file), chatty loggers at WARN. */
export function brokerLog4jProperties(): string {
  return [
    'log4j.rootLogger=INFO, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.state.change.logger=WARN',
    'log4j.logger.kafka.log.LogCleaner=WARN',
    'log4j.logger.org.apache.kafka.storage.internals.log=WARN',
    'log4j.logger.kafka.server.KafkaConfig=WARN',
    'log4j.logger.org.apache.kafka.common.config.AbstractConfig=WARN',
    'log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN',
    '',
  ].join('\n');
}

/** log4j 1.x config for command-line tools (StorageTool, ConsumerPerformance): WARN+ to stderr. */
export function toolsLog4jProperties(): string {
  return [
    'log4j.rootLogger=WARN, stderr',
    'log4j.appender.stderr=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stderr.Target=System.err',
    'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n',
    '',
  ].join('\n');
}

/**
 * A fresh cluster id in Kafka's `Uuid` text form: 16 random bytes, base64url without padding.
 * Like Kafka's `Uuid.randomUuid()`, never starts with '-' (it would read as a command-line flag).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
