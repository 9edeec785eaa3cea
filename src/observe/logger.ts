/**
 * The process logger (pino, one JSON object per line) and the adapter that routes kafkajs's own
 * log entries into it, so that one stream carries everything the worker says.
 *
 * Cost model, as in pino itself: everything is decided when the logger is built. A level that is
 * off costs a no-op call (pino swaps disabled methods for `noop`), and `kafkaLogLevel` lets the
 * caller tell kafkajs not to build entries that pino would drop anyway.
 */
import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';
import type { logCreator, LogEntry, logLevel as KafkaLogLevel } from 'kafkajs';
// kafkajs is CommonJS: under NodeNext only the default import exposes its runtime values.
import kafkajs from 'kafkajs';

const { logLevel } = kafkajs;

export type { Logger } from 'pino';

/** The levels sigmawatch accepts in its config (`log.level`). */
export type LogLevel = LevelWithSilent;

export interface LoggerOptions {
  /** Lowest level written; `silent` writes nothing. */
  level: LogLevel;
  /** Written as `"name"` on every line; omitted when not given. */
  name?: string;
  /**
   * Where lines go. Default: stdout (pino's synchronous sonic-boom on fd 1). Tests pass an object
   * with `write(line)` to capture lines.
   */
  destination?: DestinationStream;
}

/** Build the root logger. Child loggers (`logger.child({partition})`) carry per-component fields. */
export function createLogger(options: LoggerOptions): Logger {
  const pinoOptions: pino.LoggerOptions = { level: options.level };
  if (options.name !== undefined) pinoOptions.name = options.name;
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}

/** kafkajs level → pino method. `NOTHING` (0) maps to nothing: such entries are dropped. */
function pinoLevelOf(level: KafkaLogLevel): 'error' | 'warn' | 'info' | 'debug' | undefined {
  switch (level) {
    case logLevel.ERROR:
      return 'error';
    case logLevel.WARN:
      return 'warn';
    case logLevel.INFO:
      return 'info';
    case logLevel.DEBUG:
      return 'debug';
    default:
      return undefined;
  }
}

/**
 * pino level → the kafkajs level to configure (`new Kafka({logLevel: kafkaLogLevel(logger.level)})`),
 * so kafkajs does not assemble debug entries that pino would discard.
 */
export function kafkaLogLevel(level: string): KafkaLogLevel {
  switch (level) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'error':
    case 'fatal':
      return logLevel.ERROR;
    default:
      return logLevel.NOTHING;
  }
}

/**
 * Keys pino writes itself. An entry field with one of these names would produce a duplicate JSON
 * key (which most parsers resolve by keeping the last one, silently hiding pino's), so such fields
 * are kept under a `kafkajs_` prefix instead.
 */
const RESERVED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

/**
 * A kafkajs `logCreator` writing into `logger`: kafkajs's `message` becomes pino's `msg`, its
 * `namespace` (e.g. `Consumer`, `ConsumerGroup`) and every extra field of the entry (`groupId`,
 * `error`, `retryCount`, …) are kept as fields. kafkajs's own `timestamp` is dropped: pino stamps
 * `time` itself.
 *
 * Usage: `new Kafka({ logLevel: kafkaLogLevel(logger.level), logCreator: kafkaLogCreator(logger) })`.
 */
/** Broker error responses that kafkajs retries (coordinator loading or moving, leader elections). */
const RETRIED =
  /coordinator is (loading|not available)|not the correct coordinator|leader(ship)? (is )?not available|not leader|rebalance in progress/i;

export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    (entry: LogEntry): void => {
      let method = pinoLevelOf(entry.level);
      // kafkajs logs every error response at ERROR, also the ones it retries by design while a
      // coordinator or leader moves (every fresh group and every rebalance): warn, not page.
      if (method === 'error' && entry.namespace === 'Connection' && RETRIED.test(String(entry.log.error ?? ''))) method = 'warn';
      // Check before building the fields object: a disabled level costs no allocation.
      if (method === undefined || !logger.isLevelEnabled(method)) return;
      const fields: Record<string, unknown> = { namespace: entry.namespace };
      const log = entry.log;
      for (const key of Object.keys(log)) {
        if (key === 'message' || key === 'timestamp') continue;
        fields[RESERVED.has(key) ? `kafkajs_${key}` : key] = log[key];
      }
      logger[method](fields, String(log.message));
    };
}
