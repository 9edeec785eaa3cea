/**
 * Reading a record of the alerts topic as an alert event: the codec's decoder plus what the relay
 * relies on beyond the schema (times it can turn into RFC 3339: JSON carries a non-finite number
 * as null, which decodes to NaN).
 */
import { decodeAlert, type AlertEvent } from '../codec/alerts.js';
import { DecodeError } from '../codec/errors.js';

/** Throws `DecodeError` for anything that is not a usable alert event. */
export function readEvent(value: Buffer | null): AlertEvent {
  if (value === null || value.length === 0) throw new DecodeError('empty_value', 'the record has no value');
  const e = decodeAlert(value);
  for (const field of ['ts', 'startsAt', 'endsAt'] as const) {
    const v = e[field];
    if (v !== undefined && !Number.isFinite(v)) throw new DecodeError('bad_timestamp', `alert field "${field}" is not a finite time`);
  }
  return e;
}
