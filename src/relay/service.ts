/**
 * `sigmawatch relay` as one object: the relay (state, senders, resend ticker) fed by its consumer
 * on the alerts topic. Start order: senders first (so the first rebuilt partition has somewhere to
 * go), then the consumer. Stop order: the consumer first (no more events), then the senders.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { AlertsConsumer } from './consumer.js';
import { createRelayMetrics, type RelayMetrics } from './metrics.js';
import { Relay } from './relay.js';

export interface RelayServiceOptions {
  readonly config: Config;
  readonly brokers: readonly string[];
  readonly logger: Logger;
  /** Default: a fresh registry for the configured targets. */
  readonly metrics?: RelayMetrics;
  /** Wall clock (ms); tests may move it. */
  readonly now?: () => number;
  /** The consumer crashed for good: the process should exit and be restarted. */
  readonly onFatal?: (error: Error) => void;
}

export class RelayService {
  readonly relay: Relay;
  readonly metrics: RelayMetrics;
  private readonly consumer: AlertsConsumer;
  private running = false;
  private stopped = false;

  constructor(private readonly options: RelayServiceOptions) {
    const { config, logger } = options;
    this.metrics = options.metrics ?? createRelayMetrics(config.relay.alertmanagers);
    this.relay = new Relay({
      relay: config.relay,
      metrics: this.metrics,
      logger,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    this.consumer = new AlertsConsumer({
      config,
      brokers: options.brokers,
      relay: this.relay,
      logger,
      ...(options.onFatal === undefined ? {} : { onFatal: options.onFatal }),
    });
  }

  async start(): Promise<void> {
    this.relay.start();
    await this.consumer.start();
    this.running = true;
    const { config } = this.options;
    this.options.logger.info(
      {
        group: config.relay.groupId,
        topic: config.kafka.topics.alerts,
        alertmanagers: config.relay.alertmanagers,
        resendIntervalMs: config.relay.resendIntervalMs,
      },
      'relay started',
    );
  }

  /** Idempotent; also after a start that failed half-way (the ticker and senders must not outlive it). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.running = false;
    await this.consumer.stop().catch((err: unknown) => this.options.logger.warn({ err }, 'disconnecting the relay consumer failed'));
    await this.relay.stop();
    this.options.logger.info({ held: this.relay.held() }, 'relay stopped');
  }

  /** Ready once every assigned partition is rebuilt (its alerts sent once). */
  ready(): { ok: boolean; detail: object } {
    const r = this.relay.ready();
    return { ok: this.running && r.ok, detail: r.detail };
  }

  health(): { ok: boolean; detail: object } {
    return this.consumer.health();
  }
}
