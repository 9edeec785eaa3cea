/**
 * The process around a long-running service (`run`'s worker, `relay`, `ingest`): signals handled
 * from the first moment, the brokers resolved, /metrics /healthz /readyz served, the service
 * started within kafka.connect_timeout and run until a stop signal or a fatal crash, then stopped
 * within shutdown.deadline (cli/shutdown.ts). One shape for the three, so they start, report and
 * stop alike.
 */
import type { Registry } from 'prom-client';
import { resolveBrokers } from '../broker/index.js';
import type { Config } from '../config/index.js';
import { createLogger, type Logger } from '../observe/logger.js';
import { startHttpServer, type HttpServer, type ProbeResult } from '../observe/http.js';
import { onStopSignal, superviseUntilStopped } from './shutdown.js';
import { CONFIG_OPTIONS, UsageError, loadConfigFromFlags, parse, reportError } from './args.js';

export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): ProbeResult;
  ready(): ProbeResult;
}

export interface ServiceProcessOptions<S extends Service> {
  /** Port of the service's HTTP server on http.host; 0 = none. */
  readonly httpPort: number;
  /** The service, on the resolved brokers; `onFatal` when its consumer crashed for good. */
  readonly create: (brokers: readonly string[], onFatal: () => void) => S;
  /** What /metrics renders. */
  readonly registry: (service: S) => Registry;
}

/** Runs the service until it is told to stop or dies; the process's exit code. */
export async function runServiceProcess<S extends Service>(
  config: Config,
  logger: Logger,
  options: ServiceProcessOptions<S>,
): Promise<number> {
  const stopRequested = onStopSignal(logger);
  const brokers = await resolveBrokers(config.kafka.brokers, { log: (line) => logger.info(line) });
  // A consumer that crashed for good leaves a process that consumes nothing: exit 1 (after the
  // usual drain) so that the supervisor restarts it.
  let fatal: () => void = () => {};
  const crashed = new Promise<'crash'>((resolve) => (fatal = () => resolve('crash')));
  const service = options.create(brokers.brokers, () => fatal());
  let http: HttpServer | undefined;
  const stop = async (): Promise<void> => {
    await service.stop();
    await http?.close();
    await brokers.stop();
  };
  if (options.httpPort !== 0) {
    http = await startHttpServer({
      host: config.http.host,
      port: options.httpPort,
      metrics: options.registry(service),
      health: () => service.health(),
      ready: () => service.ready(),
      logger,
    });
    logger.info({ url: `http://${config.http.host}:${http.port}/metrics` }, 'serving metrics');
  }
  return superviseUntilStopped({
    start: service.start(),
    stop,
    stopRequested,
    crashed,
    brokers: brokers.brokers,
    connectTimeoutMs: config.kafka.connectTimeoutMs,
    deadlineMs: config.shutdown.deadlineMs,
    logger,
  });
}

/**
 * Starting a development broker by surprise (or failing to find its pom in an image) helps nobody:
 * without brokers a long-running command refuses to start unless --local-broker asks for one.
 */
export function requireBrokersUnlessLocal(config: Config, localBroker: boolean): void {
  if (!localBroker && config.kafka.brokers.length === 0) {
    throw new UsageError(
      'no Kafka brokers configured: set kafka.brokers in the config file or KAFKA_BROKERS (host:port,...), or pass --local-broker to use a local development broker',
    );
  }
}

export interface ServiceCommand {
  /** The command's name in error messages (`sigmawatch <name>: ...`). */
  readonly name: string;
  readonly usage: string;
  /** The logger's name. */
  readonly loggerName: string;
  /** What runs, for the fatal log line (`<subject> failed`). */
  readonly subject: string;
  /** What only this command needs of a configuration that is otherwise valid (throws ConfigError / UsageError). */
  readonly check: (config: Config, localBroker: boolean) => void;
  readonly run: (config: Config, logger: Logger) => Promise<number>;
}

/**
 * `sigmawatch run | relay | ingest [--config FILE] [--set k=v]... [--local-broker]`: --help, the
 * configuration (exit 2 naming the key), the command's own checks, then the process; an unexpected
 * failure is logged as fatal and exits 1.
 */
export async function serviceCommand(args: string[], command: ServiceCommand): Promise<number> {
  let config: Config;
  try {
    const { values } = parse(args, { ...CONFIG_OPTIONS, 'local-broker': { type: 'boolean' } });
    if (values.help) {
      process.stdout.write(`${command.usage}\n`);
      return 0;
    }
    config = loadConfigFromFlags(values);
    command.check(config, values['local-broker'] === true);
  } catch (e) {
    return reportError(e, command.name);
  }
  const logger = createLogger({ level: config.log.level, name: command.loggerName });
  try {
    return await command.run(config, logger);
  } catch (e) {
    logger.fatal({ err: e }, `${command.subject} failed`);
    return 1;
  }
}
