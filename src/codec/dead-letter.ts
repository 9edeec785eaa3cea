/**
 * The dead-letter envelope: a record that cannot be decoded is copied to the dead-letter topic with
 * its original key and value unchanged (so it can be replayed once the producer is fixed) and these
 * headers saying why and where it came from. Header values are UTF-8 strings; numbers in decimal.
 */

import type { DecodeReason } from './errors.js';

export const DEAD_LETTER_HEADERS = Object.freeze({
  /** A `DecodeReason` (or a short machine-readable reason the worker adds, e.g. `value_out_of_range`). */
  reason: 'sigmawatch-reason',
  /** The human-readable error message, clipped to MAX_ERROR_CHARS. */
  error: 'sigmawatch-error',
  sourceTopic: 'sigmawatch-source-topic',
  sourcePartition: 'sigmawatch-source-partition',
  /** Offset of the original record, decimal (Kafka offsets are 64-bit; kafkajs keeps them as strings). */
  sourceOffset: 'sigmawatch-source-offset',
  /** When the worker gave up on the record, Unix ms, decimal. */
  failedAt: 'sigmawatch-failed-at',
} as const);

/** Header values stay small: the message is for people reading the topic with kcat, not a log. */
export const MAX_ERROR_CHARS = 1024;

export interface DeadLetterSource {
  reason: DecodeReason | (string & {});
  message: string;
  topic: string;
  partition: number;
  offset: string | number;
  /** Failure time, Unix ms. Defaults to the wall clock (the worker should pass its `now()`). */
  timestamp?: number;
}

export function deadLetterHeaders(s: DeadLetterSource): Record<string, string> {
  const message = s.message.length > MAX_ERROR_CHARS ? s.message.slice(0, MAX_ERROR_CHARS - 1) + '…' : s.message;
  return {
    [DEAD_LETTER_HEADERS.reason]: s.reason,
    [DEAD_LETTER_HEADERS.error]: message,
    [DEAD_LETTER_HEADERS.sourceTopic]: s.topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(s.partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: String(s.offset),
    [DEAD_LETTER_HEADERS.failedAt]: String(Math.trunc(s.timestamp ?? Date.now())),
  };
}
