import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { createLogger, kafkaLogCreator, kafkaLogLevel, type LoggerOptions } from '../../src/observe/logger.js';

const { Kafka, logLevel } = kafkajs;

type Line = Record<string, unknown>;

/** A logger whose lines land, parsed, in `lines`. */
function capture(options: Omit<LoggerOptions, 'destination'>) {
  const lines: Line[] = [];
  const logger = createLogger({ ...options, destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
  return { logger, lines };
}

test('createLogger writes one JSON object per line with level, time, msg and fields', () => {
  const { logger, lines } = capture({ level: 'info', name: 'sigmawatch' });
  logger.info({ partition: 3 }, 'assigned');
  logger.warn('slow batch');
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.level, 30);
  assert.equal(lines[0]!.msg, 'assigned');
  assert.equal(lines[0]!.partition, 3);
  assert.equal(lines[0]!.name, 'sigmawatch');
  assert.equal(typeof lines[0]!.time, 'number');
  assert.equal(lines[1]!.level, 40);
  assert.equal(lines[1]!.msg, 'slow batch');
});

test('createLogger drops lines below the level, and omits name when not given', () => {
  const { logger, lines } = capture({ level: 'warn' });
  logger.debug('no');
  logger.info('no');
  logger.error('yes');
  assert.deepEqual(
    lines.map((l) => l.msg),
    ['yes'],
  );
  assert.equal('name' in lines[0]!, false);

  const silent = capture({ level: 'silent' });
  silent.logger.fatal('nothing');
  assert.equal(silent.lines.length, 0);
});

test('kafkaLogCreator maps kafkajs levels to pino levels and keeps namespace and fields', () => {
  const { logger, lines } = capture({ level: 'debug' });
  const kafka = new Kafka({
    clientId: 'test',
    brokers: ['127.0.0.1:1'],
    logLevel: logLevel.DEBUG,
    logCreator: kafkaLogCreator(logger),
  });
  const log = kafka.logger().namespace('ConsumerGroup');
  log.error('Crash', { groupId: 'g', error: 'boom', retryCount: 2 });
  log.warn('Slow', { broker: 'b:9092' });
  log.info('Joined', { memberId: 'm-1' });
  log.debug('Fetch', { partition: 5 });

  assert.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [
      [50, 'Crash'],
      [40, 'Slow'],
      [30, 'Joined'],
      [20, 'Fetch'],
    ],
  );
  const crash = lines[0]!;
  assert.equal(crash.namespace, 'ConsumerGroup');
  assert.equal(crash.groupId, 'g');
  assert.equal(crash.error, 'boom');
  assert.equal(crash.retryCount, 2);
  assert.equal(crash.logger, 'kafkajs');
  assert.equal('message' in crash, false, 'message becomes msg');
  assert.equal('timestamp' in crash, false, 'pino stamps time itself');
  assert.equal(lines[3]!.partition, 5);
});

test('kafkaLogCreator respects the pino level and renames fields that clash with pino keys', () => {
  const { logger, lines } = capture({ level: 'warn' });
  const entry = (level: kafkajs.logLevel, message: string, extra: object = {}) =>
    kafkaLogCreator(logger)(logLevel.DEBUG)({
      namespace: 'Runner',
      level,
      label: 'X',
      log: { timestamp: '2024-01-01T00:00:00.000Z', logger: 'kafkajs', message, ...extra },
    });
  entry(logLevel.DEBUG, 'dropped by pino');
  entry(logLevel.INFO, 'dropped by pino');
  entry(logLevel.NOTHING, 'never logged');
  entry(logLevel.WARN, 'kept', { level: 'custom', msg: 'x', time: 1 });
  assert.equal(lines.length, 1);
  const kept = lines[0]!;
  assert.equal(kept.level, 40);
  assert.equal(kept.msg, 'kept');
  assert.equal(kept.namespace, 'Runner');
  assert.equal(kept.kafkajs_level, 'custom');
  assert.equal(kept.kafkajs_msg, 'x');
  assert.equal(kept.kafkajs_time, 1);
});

test('kafkaLogLevel maps pino levels to the kafkajs level to configure', () => {
  assert.equal(kafkaLogLevel('trace'), logLevel.DEBUG);
  assert.equal(kafkaLogLevel('debug'), logLevel.DEBUG);
  assert.equal(kafkaLogLevel('info'), logLevel.INFO);
  assert.equal(kafkaLogLevel('warn'), logLevel.WARN);
  assert.equal(kafkaLogLevel('error'), logLevel.ERROR);
  assert.equal(kafkaLogLevel('fatal'), logLevel.ERROR);
  assert.equal(kafkaLogLevel('silent'), logLevel.NOTHING);
});

test('kafkajs error responses it retries by design (coordinator loading, leader moving) are logged as warnings', () => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
  const log = kafkaLogCreator(logger)(4 as never);
  log({
    namespace: 'Connection',
    level: 1,
    label: 'ERROR',
    log: { message: 'Response JoinGroup', error: 'The group coordinator is not available', timestamp: '' },
  } as never);
  log({
    namespace: 'Connection',
    level: 1,
    label: 'ERROR',
    log: { message: 'Response Produce', error: 'Broker: Message size too large', timestamp: '' },
  } as never);
  const levels = lines.map((l) => (JSON.parse(l) as { level: number }).level);
  assert.deepEqual(levels, [40, 50]);
});
