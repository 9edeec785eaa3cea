/**
 * Alert events in: NDJSON files (what `sigmawatch replay` writes; `-` = stdin), or the bytes of
 * one record of the alerts topic (JSON or msgpack). Every input that is not an event goes to the
 * `onReject` callback with a reason and where it was.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeAlert, type AlertEvent } from '../codec/alerts.js';
import { DecodeError } from '../codec/errors.js';
import type { ReviewRejectReason } from './rejects.js';

export interface EventSink {
  event(e: AlertEvent): void;
  reject(reason: ReviewRejectReason, where: string, detail: string): void;
}

/** A file that cannot be read at all. */
export class ReviewInputError extends Error {}

/** Decodes one event; a problem goes to the sink with `where`. */
export function acceptEvent(bytes: Uint8Array | null, where: string, sink: EventSink): void {
  if (bytes === null || bytes.length === 0) {
    sink.reject('empty_value', where, 'no bytes');
    return;
  }
  let e: AlertEvent;
  try {
    e = decodeAlert(bytes);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    sink.reject(err.reason, where, err.message);
    return;
  }
  if (!Number.isFinite(e.ts) || !Number.isFinite(e.startsAt) || (e.endsAt !== undefined && !Number.isFinite(e.endsAt))) {
    sink.reject('bad_timestamp', where, `ts, startsAt and endsAt must be finite Unix ms, got ts ${e.ts}, startsAt ${e.startsAt}`);
    return;
  }
  sink.event(e);
}

/** Streams one NDJSON file of events (or stdin for `-`); blank lines are skipped. */
export async function readEventFile(path: string, sink: EventSink, onBytes?: (bytes: number) => void): Promise<void> {
  const name = path === '-' ? 'stdin' : path;
  const stream = path === '-' ? process.stdin : createReadStream(path);
  if (path !== '-') {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e: NodeJS.ErrnoException) => reject(new ReviewInputError(`${path}: cannot read (${e.code ?? e.message})`)));
    });
  }
  let bytes = 0;
  let line = 0;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const text of lines) {
      line++;
      bytes += Buffer.byteLength(text) + 1;
      const trimmed = text.trim();
      if (trimmed === '') continue;
      const where = `${name}:${line}`;
      // A line that does not open an object is not JSON to us (the decoder would try msgpack).
      if (trimmed[0] !== '{') sink.reject('not_json', where, `not a JSON object: ${JSON.stringify(trimmed.slice(0, 40))}`);
      else acceptEvent(Buffer.from(trimmed, 'utf8'), where, sink);
      if ((line & 1023) === 0) onBytes?.(bytes);
    }
  } catch (e) {
    throw new ReviewInputError(`${path}: read failed after line ${line} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  onBytes?.(bytes);
}

/** Size of a file for progress; 0 for stdin or when unknown. */
export function fileSize(path: string): number {
  if (path === '-') return 0;
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
