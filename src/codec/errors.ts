/**
 * Why a record could not be decoded (every reason, in the order of the table below). Each reason becomes the `sigmawatch-reason` header of the
 * dead-letter copy and a `reason` label on the drop counter, so the set is small and closed.
 *
 * | reason             | meaning                                                                  |
 * | ------------------ | ------------------------------------------------------------------------ |
 * | `empty_value`      | the record value is null or zero bytes (a tombstone is not a sample)      |
 * | `not_msgpack`      | the bytes are not valid msgpack (truncated, reserved byte 0xc1, …)        |
 * | `not_json`         | the value starts with `{` but is not valid UTF-8 JSON                     |
 * | `bad_shape`        | valid encoding, but not a known record shape: wrong array length, a       |
 * |                    | string where a number belongs, trailing bytes, a field of the wrong type  |
 * | `missing_field`    | a verbose record lacks `name`, `ts` or `value`                            |
 * | `bad_series`       | a verbose record's `name` or a label name is not a valid Prometheus name  |
 * | `bad_timestamp`    | `ts` is not a finite number of Unix ms in (0, year 3000)                  |
 * | `non_finite_value` | `value` is NaN or ±Infinity                                               |
 * | `missing_key`      | a compact record (which names no series) arrived without a key            |
 * | `bad_key`          | the key is not a valid series id (`parseSeriesId`)                        |
 * | `key_mismatch`     | a verbose record's body names another series than its key                 |
 */
export const DECODE_REASONS = [
  'empty_value',
  'not_msgpack',
  'not_json',
  'bad_shape',
  'missing_field',
  'bad_series',
  'bad_timestamp',
  'non_finite_value',
  'missing_key',
  'bad_key',
  'key_mismatch',
] as const;
export type DecodeReason = (typeof DECODE_REASONS)[number];

/**
 * A record that can never be decoded, however often it is retried: the worker sends it to the
 * dead-letter topic and the partition moves on. `retriable` is always false (kafkajs convention).
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly retriable = false;

  constructor(
    readonly reason: DecodeReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
