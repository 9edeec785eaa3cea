import type { SampleSink } from '../../../src/ingest/format.js';

export interface Sample {
  series: string;
  ts: number;
  value: number;
}

/** A sink that keeps what it is given, in order. */
export class CollectingSink implements SampleSink {
  readonly samples: Sample[] = [];
  push(series: string, ts: number, value: number): void {
    this.samples.push({ series, ts, value });
  }
  /** The samples of one series, in push order. */
  of(series: string): Sample[] {
    return this.samples.filter((s) => s.series === series);
  }
  clear(): void {
    this.samples.length = 0;
  }
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
