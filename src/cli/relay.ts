/**
 * `sigmawatch relay [--config FILE] [--set key=value]...` — alert events to Alertmanager.
 *
 * Start-up: validate the configuration (exit 2 naming the key; `relay.alertmanagers` must list at
 * least one URL), take the brokers as `run` does, serve /metrics /healthz /readyz on
 * http.host:relay.http_port, join relay.group_id and rebuild the alerts from the topic.
 * SIGTERM / SIGINT: leave the group, stop the senders, exit 0 — or 1 after shutdown.deadline.
 */
import { ConfigError, type Config } from '../config/index.js';
import type { Logger } from '../observe/logger.js';
import { RelayService } from '../relay/service.js';
import { requireBrokersUnlessLocal, runServiceProcess, serviceCommand } from './service-process.js';

const USAGE = `Usage: sigmawatch relay [--config FILE] [--set key=value]...

Keeps Alertmanager's view of sigmawatch's alerts right (API v2): consumes kafka.topics.alerts in
its own consumer group (relay.group_id), rebuilds the alerts that fire from the topic on start,
sends every change at once and re-sends every firing alert each relay.resend_interval (endsAt =
now + 4 x interval) and every resolved one for relay.resolved_retention, to each of
relay.alertmanagers. Serves /metrics, /healthz, /readyz on http.host:relay.http_port.

Options:
  -c, --config FILE    configuration file (YAML), layered over config/default.yaml
      --set KEY=VALUE  override one key, e.g. --set relay.alertmanagers=http://127.0.0.1:9093
      --local-broker   no brokers configured: use the local development broker of
                       'sigmawatch broker start', or start one for this process
  -h, --help           this text

Exit codes: 0 after a clean shutdown, 1 on a runtime failure, 2 on a usage or configuration error.`;

export function relayCommand(args: string[]): Promise<number> {
  return serviceCommand(args, {
    name: 'relay',
    subject: 'relay',
    usage: USAGE,
    loggerName: 'sigmawatch-relay',
    check: checkRelayConfig,
    run: runRelay,
  });
}

/** What only the relay needs of a configuration that is otherwise valid. */
function checkRelayConfig(config: Config, localBroker: boolean): void {
  if (config.relay.alertmanagers.length === 0) {
    throw new ConfigError([
      {
        source: 'config',
        path: ['relay', 'alertmanagers'],
        message:
          'relay.alertmanagers must list at least one Alertmanager URL (e.g. --set relay.alertmanagers=http://127.0.0.1:9093), got [] (array)',
      },
    ]);
  }
  requireBrokersUnlessLocal(config, localBroker);
}

function runRelay(config: Config, logger: Logger): Promise<number> {
  return runServiceProcess(config, logger, {
    httpPort: config.relay.httpPort,
    create: (brokers, onFatal) => new RelayService({ config, brokers, logger, onFatal }),
    registry: (service) => service.metrics.registry,
  });
}
