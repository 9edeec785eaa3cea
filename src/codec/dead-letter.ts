/**
 * The dead-letter envelope: a record that cannot be used is copied to the dead-letter topic with
 * its original key, value and headers (so it can be replayed once the producer is fixed) and the
 * headers below saying why and where it came from. Header values are UTF-8 strings; numbers in
 * decimal. The reasons are a closed set, defined here once.
 *
 * The copy must always be accepted by the broker (message.max.bytes is 1 MiB by default): a copy
 * the broker refuses would be retried forever and stop the partition. So the copy is bounded: a
 * value over MAX_DEAD_LETTER_VALUE and a key over MAX_KEY_BYTES are truncated, original headers
 * over MAX_HEADER_BYTES in all are dropped, and headers say so. With the error message clipped to
 * MAX_ERROR_CHARS, a copy stays under 900 + 16 + 16 + 4 KiB, well below 1 MiB. The whole record
 * stays on the source topic, at the offset the headers name.
 */
import { DECODE_REASONS } from './errors.js';
import type { HeaderValue, SourceRecord } from './source-record.js';

/** Why a record went to the dead-letter topic: every decode reason, and two found after decoding. */
export const DEAD_LETTER_REASONS = [
  ...DECODE_REASONS,
  /** |value| > 1e150: its square would overflow the statistics (points before it were scored). */
  'value_out_of_range',
  /** The record tripped an unexpected error in sigmawatch (a bug); the partition keeps moving. */
  'internal_error',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** Index of each reason in DEAD_LETTER_REASONS (for count arrays). */
export const DEAD_LETTER_REASON_INDEX: Readonly<Record<DeadLetterReason, number>> = Object.freeze(
  Object.fromEntries(DEAD_LETTER_REASONS.map((r, i) => [r, i])) as Record<DeadLetterReason, number>,
);

export const DEAD_LETTER_HEADERS = Object.freeze({
  /** A `DeadLetterReason`. */
  reason: 'sigmawatch-reason',
  /** The human-readable error message, clipped to MAX_ERROR_CHARS. */
  error: 'sigmawatch-error',
  sourceTopic: 'sigmawatch-source-topic',
  sourcePartition: 'sigmawatch-source-partition',
  /** Offset of the original record, decimal. */
  sourceOffset: 'sigmawatch-source-offset',
  /** When the worker gave up on the record, Unix ms, decimal. */
  failedAt: 'sigmawatch-failed-at',
} as const);

/** Headers added only when the copy had to be cut to fit the broker's limit. */
export const DEAD_LETTER_CUT_HEADERS = Object.freeze({
  /** Only on a truncated value: its original length in bytes. */
  truncated: 'sigmawatch-truncated',
  /** Only on a truncated key: its original length in bytes. */
  keyTruncated: 'sigmawatch-key-truncated',
  /** Only when the original headers were too large to copy: how many were dropped. */
  headersDropped: 'sigmawatch-headers-dropped',
} as const);

/** Header values stay small: the message is for people reading the topic with kcat, not a log. */
export const MAX_ERROR_CHARS = 1024;
export const MAX_DEAD_LETTER_VALUE = 900 * 1024;
export const MAX_KEY_BYTES = 16 * 1024;
export const MAX_HEADER_BYTES = 16 * 1024;

export interface DeadLetterSource {
  readonly topic: string;
  readonly partition: number;
}

/** A record ready for the dead-letter topic, with its reason for counting. */
export interface DeadLetter {
  readonly reason: DeadLetterReason;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string | Buffer>;
}

/** The dead-letter copy of `record`; `failedAt` is the wall clock (Unix ms) of the caller. */
export function deadLetterOf(
  record: SourceRecord,
  reason: DeadLetterReason,
  message: string,
  source: DeadLetterSource,
  failedAt: number,
): DeadLetter {
  const headers = copyableHeaders(record.headers);
  const added: Record<string, string> = {
    [DEAD_LETTER_HEADERS.reason]: reason,
    [DEAD_LETTER_HEADERS.error]: message.length > MAX_ERROR_CHARS ? message.slice(0, MAX_ERROR_CHARS - 1) + '…' : message,
    [DEAD_LETTER_HEADERS.sourceTopic]: source.topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(source.partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: record.offset,
    [DEAD_LETTER_HEADERS.failedAt]: String(Math.trunc(failedAt)),
  };
  if (headers.dropped > 0) added[DEAD_LETTER_CUT_HEADERS.headersDropped] = String(headers.dropped);
  let key = record.key;
  if (key !== null && key.length > MAX_KEY_BYTES) {
    added[DEAD_LETTER_CUT_HEADERS.keyTruncated] = String(key.length);
    key = key.subarray(0, MAX_KEY_BYTES);
  }
  let value = record.value;
  if (value !== null && value.length > MAX_DEAD_LETTER_VALUE) {
    added[DEAD_LETTER_CUT_HEADERS.truncated] = String(value.length);
    value = value.subarray(0, MAX_DEAD_LETTER_VALUE);
  }
  return { reason, key, value, headers: { ...headers.kept, ...added } };
}

/** The original headers that can be copied (strings and buffers), or none when they are too large. */
function copyableHeaders(headers: SourceRecord['headers']): { kept: Record<string, string | Buffer>; dropped: number } {
  const kept: Record<string, string | Buffer> = {};
  let bytes = 0;
  let count = 0;
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (!isCopyable(v)) continue;
    kept[k] = v;
    bytes += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : v.length);
    count++;
  }
  return bytes > MAX_HEADER_BYTES ? { kept: {}, dropped: count } : { kept, dropped: 0 };
}

function isCopyable(v: HeaderValue): v is string | Buffer {
  return typeof v === 'string' || Buffer.isBuffer(v);
}
