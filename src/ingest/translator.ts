/**
 * The stage's one path, without Kafka: the records of one input batch in, keyed compact records and
 * dead letters out, with counts by format and reason. The consumer (stage.ts), the tests and the
 * benchmark all drive it.
 *
 * Per record: pick the format (the topic's, or sniffed from the value for `auto`), decode it into
 * the packer, accept its samples — or, when the decoder refuses it (`DecodeError`), forget them and
 * copy the record whole to the dead-letter topic with the reason. A record whose format cannot be
 * sniffed goes there as `bad_shape`, its message naming the formats tried and the key to set.
 * After the batch, the packer turns the accepted samples into one record per series (split at
 * `ingest.max_points_per_record`), keyed by the canonical series id.
 */
import { DecodeError } from '../codec/errors.js';
import {
  DEAD_LETTER_REASONS,
  DEAD_LETTER_REASON_INDEX,
  deadLetterOf,
  type DeadLetter,
  type DeadLetterReason,
} from '../codec/dead-letter.js';
import type { SourceRecord } from '../codec/source-record.js';
import { INGEST_FORMATS, type IngestDecoder, type IngestFormat } from './format.js';
import { SeriesPacker, type PackedRecord } from './packer.js';

/** A topic's configured format; `auto` sniffs each record. */
export type TopicFormat = IngestFormat | 'auto';

/** Label of records whose format could not be told (`auto` topics only). */
export const UNKNOWN_FORMAT = 'unknown';
/** `INGEST_FORMATS` then `unknown`: the index space of the per-format counts. */
export const FORMAT_LABELS = [...INGEST_FORMATS, UNKNOWN_FORMAT] as const;
const FORMAT_INDEX: Readonly<Record<string, number>> = Object.fromEntries(FORMAT_LABELS.map((f, i) => [f, i]));
const UNKNOWN_INDEX = FORMAT_LABELS.length - 1;

export interface TranslatorOptions {
  readonly maxPointsPerRecord: number;
  /** The decoder of a format, made once per stage (decoders keep state across records). */
  readonly decoderFor: (format: IngestFormat) => IngestDecoder;
  /** The format of a record value, or undefined when none fits (for `auto` topics). */
  readonly sniff: (value: Uint8Array) => IngestFormat | undefined;
}

/** What one input batch became. Reused: valid until the next `translate`. */
export class TranslatedBatch {
  records: PackedRecord[] = [];
  readonly deadLetters: DeadLetter[] = [];
  /** Input records decoded, by format (index in FORMAT_LABELS). */
  readonly recordsIn = new Float64Array(FORMAT_LABELS.length);
  /** Input records dead-lettered, by format (index in FORMAT_LABELS; `unknown` = not sniffed). */
  readonly recordsDead = new Float64Array(FORMAT_LABELS.length);
  /** Samples decoded from accepted records, by format. */
  readonly samplesIn = new Float64Array(FORMAT_LABELS.length);
  /** Dead letters by reason (index in DEAD_LETTER_REASONS). */
  readonly deadByReason = new Float64Array(DEAD_LETTER_REASONS.length);
  /** Samples in `records` (= the sum of samplesIn). */
  samplesOut = 0;

  reset(): void {
    this.records = [];
    this.deadLetters.length = 0;
    this.recordsIn.fill(0);
    this.recordsDead.fill(0);
    this.samplesIn.fill(0);
    this.deadByReason.fill(0);
    this.samplesOut = 0;
  }
}

export interface BatchSource {
  readonly topic: string;
  readonly partition: number;
  readonly format: TopicFormat;
}

export class IngestTranslator {
  readonly #packer: SeriesPacker;
  readonly #decoders = new Map<IngestFormat, IngestDecoder>();
  readonly #result = new TranslatedBatch();

  constructor(private readonly options: TranslatorOptions) {
    this.#packer = new SeriesPacker(options.maxPointsPerRecord);
  }

  /** The decoders made so far (the stage reads their skip counts). */
  decoders(): IterableIterator<IngestDecoder> {
    return this.#decoders.values();
  }

  /** The decoder of `format`, made on first use. Throws what the decoder factory throws (e.g. a format not built yet). */
  decoder(format: IngestFormat): IngestDecoder {
    let d = this.#decoders.get(format);
    if (d === undefined) {
      d = this.options.decoderFor(format);
      this.#decoders.set(format, d);
    }
    return d;
  }

  /** Records [from, to) of `records` from `source`; `now` (Unix ms) stamps dead letters. */
  translate(records: readonly SourceRecord[], source: BatchSource, now: number, from = 0, to = records.length): TranslatedBatch {
    const r = this.#result;
    r.reset();
    const packer = this.#packer;
    for (let i = from; i < to; i++) {
      const record = records[i]!;
      const value = record.value;
      if (value === null || value.length === 0) {
        this.#dead(record, UNKNOWN_INDEX, 'empty_value', 'the record value is empty (a tombstone is not a sample)', source, now);
        continue;
      }
      const format = source.format === 'auto' ? this.options.sniff(value) : source.format;
      if (format === undefined) {
        this.#dead(
          record,
          UNKNOWN_INDEX,
          'bad_shape',
          `format auto: the value matches none of the pipeline formats (${INGEST_FORMATS.join(', ')}); ` +
            `set the format of topic ${source.topic} in ingest.topics if it is one of them`,
          source,
          now,
        );
        continue;
      }
      const f = FORMAT_INDEX[format]!;
      try {
        this.decoder(format).decode(value, packer);
      } catch (e) {
        packer.reject();
        if (e instanceof DecodeError) this.#dead(record, f, e.reason, `${format}: ${e.message}`, source, now);
        else this.#dead(record, f, 'internal_error', `${format}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, source, now);
        continue;
      }
      r.recordsIn[f]! += 1;
      r.samplesIn[f]! += packer.accept();
    }
    r.samplesOut = packer.points;
    r.records = packer.drain();
    return r;
  }

  #dead(record: SourceRecord, format: number, reason: DeadLetterReason, message: string, source: BatchSource, now: number): void {
    const r = this.#result;
    r.deadLetters.push(deadLetterOf(record, reason, message, source, now));
    r.recordsDead[format]! += 1;
    r.deadByReason[DEAD_LETTER_REASON_INDEX[reason]]! += 1;
  }
}
