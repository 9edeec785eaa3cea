/**
 * Replay input, streamed line by line (constant memory whatever the file size), turned into
 * records for the engine, so a row is validated exactly as the worker validates a record:
 *   - CSV with a header: `timestamp,value` (one series, named after the file) or
 *     `series,timestamp,value` (series = a series id, quoted when it holds commas). A row becomes a
 *     compact record `[ts, value]` keyed by the canonical series id;
 *   - NDJSON: each line is a verbose record `{"name", "labels", "ts", "value"}` as the worker reads
 *     it; replay also accepts an ISO 8601 string for `ts`.
 * What only a file can get wrong (CSV syntax, field count, a timestamp or number that does not
 * parse, JSON syntax, a bad series column) is rejected here with its file, line and reason;
 * everything else is the decoder's business (dead letters of the engine, same reasons as Kafka).
 */
import { createReadStream, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { canonicalSeriesId } from '../codec/series-id.js';
import type { SourceRecord } from '../codec/source-record.js';
import { splitCsvLine } from './csv.js';
import { parseTimestamp } from './timestamp.js';

/** What a file row can get wrong before it is a record. */
export type RowRejectReason = 'bad_csv' | 'wrong_field_count' | 'bad_timestamp' | 'bad_value' | 'bad_series' | 'bad_json';

export interface RecordSink {
  /**
   * One record; `offset` is its line number. The record's buffers are reused for the next row:
   * use it before returning (the engine does).
   */
  record(record: SourceRecord): void;
  reject(file: string, line: number, reason: RowRejectReason, detail: string): void;
}

/** A file that cannot be replayed at all (unreadable, no header). */
export class ReplayInputError extends Error {}

type Layout = 'ndjson' | 'csv-single' | 'csv-series';

/** A compact record `[ts, value]` with both as float64: 0x92, 0xcb + 8 bytes, 0xcb + 8 bytes. */
class CompactRecordWriter {
  readonly bytes = Buffer.alloc(19);
  private readonly view = new DataView(this.bytes.buffer, this.bytes.byteOffset, 19);

  constructor() {
    this.bytes[0] = 0x92;
    this.bytes[1] = 0xcb;
    this.bytes[10] = 0xcb;
  }

  write(ts: number, value: number): Buffer {
    this.view.setFloat64(2, ts);
    this.view.setFloat64(11, value);
    return this.bytes;
  }
}

/** Streams one file (or `-` for stdin) into the sink. `onBytes` reports progress in bytes read. */
export async function replayFile(path: string, sink: RecordSink, onBytes?: (bytes: number) => void): Promise<void> {
  const stream = path === '-' ? process.stdin : createReadStream(path);
  if (path !== '-') {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e: Error) => reject(new ReplayInputError(`${path}: cannot read: ${e.message}`)));
    });
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const name = path === '-' ? 'stdin' : path;
  const rows = new RowReader(name, seriesNameFromFile(path), sink);
  let lineNo = 0;
  let bytes = 0;
  for await (const text of lines) {
    lineNo++;
    bytes += text.length + 1;
    if ((lineNo & 0x3fff) === 0) onBytes?.(bytes);
    if (text.trim() !== '') rows.line(text, lineNo, path);
  }
  onBytes?.(bytes);
  if (!rows.started && lineNo > 0) throw new ReplayInputError(`${name}: no data (only blank lines)`);
}

/** The rows of one file: the layout from the first line, then one record (or reject) per line. */
class RowReader {
  private layout: Layout | undefined;
  private singleKey: Buffer | undefined;
  /** Raw series text → canonical key bytes, or why it is bad. */
  private readonly keys = new Map<string, Buffer | string>();
  private readonly fields: string[] = [];
  private readonly compact = new CompactRecordWriter();

  constructor(
    private readonly file: string,
    private readonly seriesName: string,
    private readonly sink: RecordSink,
  ) {}

  get started(): boolean {
    return this.layout !== undefined;
  }

  line(text: string, lineNo: number, path: string): void {
    if (this.layout === undefined) {
      this.layout = detectLayout(path, text, this.file);
      if (this.layout === 'csv-single') this.singleKey = Buffer.from(this.seriesName);
      if (this.layout !== 'ndjson') return; // the header
    }
    if (this.layout === 'ndjson') this.ndjson(text, lineNo);
    else this.csv(text, lineNo);
  }

  private ndjson(text: string, lineNo: number): void {
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch (e) {
      return this.sink.reject(this.file, lineNo, 'bad_json', (e as Error).message);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      return this.sink.reject(this.file, lineNo, 'bad_json', 'each line must be a JSON object');
    }
    const r = o as Record<string, unknown>;
    let value = Buffer.from(text);
    if (typeof r.ts === 'string') {
      const ts = parseTimestamp(r.ts);
      if (ts === undefined)
        return this.sink.reject(
          this.file,
          lineNo,
          'bad_timestamp',
          `"ts" must be Unix ms or an ISO 8601 date, got ${JSON.stringify(r.ts)}`,
        );
      value = Buffer.from(JSON.stringify({ ...r, ts }));
    }
    this.sink.record({ key: null, value, offset: String(lineNo) });
  }

  private csv(text: string, lineNo: number): void {
    const fields = this.fields;
    const problem = splitCsvLine(text, fields);
    if (problem !== null) return this.sink.reject(this.file, lineNo, 'bad_csv', problem);
    const want = this.layout === 'csv-single' ? 2 : 3;
    if (fields.length !== want)
      return this.sink.reject(this.file, lineNo, 'wrong_field_count', `expected ${want} fields, got ${fields.length}`);
    const tsText = fields[want - 2]!;
    const valueText = fields[want - 1]!;
    const ts = parseTimestamp(tsText);
    if (ts === undefined)
      return this.sink.reject(this.file, lineNo, 'bad_timestamp', `not Unix ms/s or an ISO 8601 date: ${JSON.stringify(tsText)}`);
    let value = valueText === '' ? NaN : Number(valueText);
    if (!Number.isFinite(value)) {
      if (!NON_FINITE.test(valueText))
        return this.sink.reject(this.file, lineNo, 'bad_value', `not a finite number: ${JSON.stringify(valueText)}`);
      value = NaN; // a spelling of NaN or ±Infinity: the decoder rejects it as non_finite_value
    }
    const key = this.layout === 'csv-single' ? this.singleKey! : this.keyOf(fields[0]!, lineNo);
    if (key === undefined) return;
    this.sink.record({ key, value: this.compact.write(ts, value), offset: String(lineNo) });
  }

  private keyOf(raw: string, lineNo: number): Buffer | undefined {
    let k = this.keys.get(raw);
    if (k === undefined) {
      try {
        k = Buffer.from(canonicalSeriesId(raw));
      } catch (e) {
        k = (e as Error).message;
      }
      this.keys.set(raw, k);
    }
    if (typeof k === 'string') {
      this.sink.reject(this.file, lineNo, 'bad_series', k);
      return undefined;
    }
    return k;
  }
}

const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

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
