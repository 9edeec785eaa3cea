/**
 * Replay input, streamed line by line (constant memory whatever the file size):
 *   - CSV with a header: `timestamp,value` (one series, named after the file) or
 *     `series,timestamp,value` (series = a series id, quoted when it holds commas);
 *   - NDJSON with the verbose sample fields: {"name", "labels", "ts", "value"}.
 * A malformed row is handed to the sink with its file, line and reason, and skipped.
 */
import { createReadStream, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { canonicalSeriesId, formatSeriesId } from '../codec/series-id.js';
import { splitCsvLine } from './csv.js';
import { parseTimestamp } from './timestamp.js';

export type RejectReason =
  | 'bad_csv'
  | 'wrong_field_count'
  | 'bad_timestamp'
  | 'bad_value'
  | 'non_finite_value'
  | 'bad_series'
  | 'bad_json'
  | 'missing_field';

export interface RowSink {
  row(key: Uint8Array, ts: number, value: number): void;
  reject(file: string, line: number, reason: RejectReason, detail: string): void;
}

/** A file that cannot be replayed at all (unreadable, no header). */
export class ReplayInputError extends Error {}

type Layout = 'ndjson' | 'csv-single' | 'csv-series';

const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;
const encoder = new TextEncoder();

/** Streams one file (or `-` for stdin) into the sink. `onBytes` reports progress in bytes read. */
export async function replayFile(path: string, sink: RowSink, onBytes?: (bytes: number) => void): Promise<void> {
  const stream = path === '-' ? process.stdin : createReadStream(path);
  const opened = new Promise<void>((resolve, reject) => {
    if (path === '-') return resolve();
    stream.once('open', () => resolve());
    stream.once('error', (e: Error) => reject(new ReplayInputError(`${path}: cannot read: ${e.message}`)));
  });
  await opened;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const name = path === '-' ? 'stdin' : path;
  let layout: Layout | undefined;
  let singleKey: Uint8Array | undefined;
  const keys = new Map<string, Uint8Array | string>(); // raw series text → canonical key bytes, or why it is bad
  const fields: string[] = [];
  let lineNo = 0;
  let bytes = 0;

  const keyOf = (raw: string, line: number, toId: (raw: string) => string): Uint8Array | undefined => {
    let k = keys.get(raw);
    if (k === undefined) {
      try {
        k = encoder.encode(toId(raw));
      } catch (e) {
        k = (e as Error).message;
      }
      keys.set(raw, k);
    }
    if (typeof k === 'string') {
      sink.reject(name, line, 'bad_series', k);
      return undefined;
    }
    return k;
  };

  for await (const text of lines) {
    lineNo++;
    bytes += text.length + 1;
    if ((lineNo & 0x3fff) === 0) onBytes?.(bytes);
    if (text.trim() === '') continue;
    if (layout === undefined) {
      layout = detectLayout(path, text, name);
      if (layout === 'csv-single') singleKey = encoder.encode(seriesNameFromFile(path));
      if (layout !== 'ndjson') continue; // the header
    }
    if (layout === 'ndjson') {
      let o: unknown;
      try {
        o = JSON.parse(text);
      } catch (e) {
        sink.reject(name, lineNo, 'bad_json', (e as Error).message);
        continue;
      }
      if (typeof o !== 'object' || o === null || Array.isArray(o)) {
        sink.reject(name, lineNo, 'bad_json', 'each line must be a JSON object');
        continue;
      }
      const r = o as Record<string, unknown>;
      if (typeof r.name !== 'string' || r.ts === undefined || r.value === undefined) {
        sink.reject(name, lineNo, 'missing_field', 'needs "name" (string), "ts" and "value"');
        continue;
      }
      const ts = typeof r.ts === 'number' ? (r.ts > 0 ? r.ts : undefined) : typeof r.ts === 'string' ? parseTimestamp(r.ts) : undefined;
      if (ts === undefined) {
        sink.reject(name, lineNo, 'bad_timestamp', `"ts" must be Unix ms or an ISO 8601 date, got ${JSON.stringify(r.ts)}`);
        continue;
      }
      if (typeof r.value !== 'number') {
        const nonFinite = typeof r.value === 'string' && NON_FINITE.test(r.value);
        sink.reject(name, lineNo, nonFinite ? 'non_finite_value' : 'bad_value', `"value" must be a finite number, got ${JSON.stringify(r.value)}`);
        continue;
      }
      const labels = r.labels ?? {};
      if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
        sink.reject(name, lineNo, 'bad_series', '"labels" must be an object of strings');
        continue;
      }
      let key: Uint8Array;
      try {
        key = encoder.encode(formatSeriesId(r.name, labels as Record<string, string>));
      } catch (e) {
        sink.reject(name, lineNo, 'bad_series', (e as Error).message);
        continue;
      }
      sink.row(key, ts, r.value);
      continue;
    }
    const problem = splitCsvLine(text, fields);
    if (problem !== null) {
      sink.reject(name, lineNo, 'bad_csv', problem);
      continue;
    }
    const want = layout === 'csv-single' ? 2 : 3;
    if (fields.length !== want) {
      sink.reject(name, lineNo, 'wrong_field_count', `expected ${want} fields, got ${fields.length}`);
      continue;
    }
    const tsText = fields[want - 2]!;
    const valueText = fields[want - 1]!;
    const ts = parseTimestamp(tsText);
    if (ts === undefined) {
      sink.reject(name, lineNo, 'bad_timestamp', `not Unix ms/s or an ISO 8601 date: ${JSON.stringify(tsText)}`);
      continue;
    }
    const value = valueText === '' ? NaN : Number(valueText);
    if (!Number.isFinite(value)) {
      const nonFinite = NON_FINITE.test(valueText);
      sink.reject(name, lineNo, nonFinite ? 'non_finite_value' : 'bad_value', `not a finite number: ${JSON.stringify(valueText)}`);
      continue;
    }
    const key = layout === 'csv-single' ? singleKey : keyOf(fields[0]!, lineNo, canonicalSeriesId);
    if (key === undefined) continue;
    sink.row(key, ts, value);
  }
  onBytes?.(bytes);
  if (layout === undefined && lineNo > 0) throw new ReplayInputError(`${name}: no data (only blank lines)`);
}

function detectLayout(path: string, first: string, name: string): Layout {
  const ext = extname(path).toLowerCase();
  if (ext === '.ndjson' || ext === '.jsonl' || ext === '.json' || (ext !== '.csv' && first.trimStart().startsWith('{'))) return 'ndjson';
  const fields: string[] = [];
  splitCsvLine(first.replace(/^\uFEFF/, ''), fields);
  const header = fields.map((f) => f.toLowerCase()).join(',');
  if (header === 'timestamp,value') return 'csv-single';
  if (header === 'series,timestamp,value') return 'csv-series';
  throw new ReplayInputError(
    `${name}:1: a CSV file starts with the header "timestamp,value" (one series, named after the file) or "series,timestamp,value"; got ${JSON.stringify(first.slice(0, 80))}`,
  );
}

/** `data/api-latency.csv` → `api_latency`: a valid metric name from the file name. */
export function seriesNameFromFile(path: string): string {
  const stem = basename(path, extname(path)).replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[a-zA-Z_:]/.test(stem) ? stem : `_${stem}`;
}

export function fileSize(path: string): number {
  try {
    return path === '-' ? 0 : statSync(path).size;
  } catch {
    return 0;
  }
}
