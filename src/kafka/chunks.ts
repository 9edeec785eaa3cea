/**
 * Splits outgoing records into produce requests the broker accepts. An alert storm (a rule
 * tripping on every series at once) or a run of large dead letters must not become one request
 * whose record batch exceeds the broker's message.max.bytes (1 MiB by default): the broker would
 * refuse it as MESSAGE_TOO_LARGE, kafkajs does not retry that, and the batch would fail forever.
 */
import type { Message } from 'kafkajs';

/** Well under the broker's default message.max.bytes, leaving room for batch and record overhead. */
export const MAX_REQUEST_BYTES = 512 * 1024;
export const MAX_REQUEST_RECORDS = 2000;

/** Approximate wire size of one record: key, value, header names and values. */
export function approximateSize(m: Message): number {
  let n = 32 + sizeOf(m.key) + sizeOf(m.value);
  for (const [k, v] of Object.entries(m.headers ?? {}))
    n += k.length + (Array.isArray(v) ? v.reduce((s: number, x) => s + sizeOf(x), 0) : sizeOf(v));
  return n;
}

function sizeOf(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (v instanceof Uint8Array) return v.length;
  return String(v).length;
}

/** Consecutive runs of `messages` (order kept), each within the byte and count limits; a record larger than the byte limit goes alone. */
export function chunkMessages(messages: readonly Message[], maxBytes = MAX_REQUEST_BYTES, maxRecords = MAX_REQUEST_RECORDS): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = approximateSize(m);
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxRecords)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
