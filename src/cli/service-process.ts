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
import type { Logger } from '../observe/logger.js';
import { startHttpServer, type HttpServer, type ProbeResult } from '../observe/http.js';
import { onStopSignal, superviseUntilStopped } from './shutdown.js';

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
