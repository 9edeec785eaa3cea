/**
 * One replay: files in, through one engine, alert events and rejected rows out to an observer.
 * The `replay` command and the quality benchmark both run files this way, so what they score is
 * what `replay` prints and what the worker would send.
 */
import type { Config } from '../config/index.js';
import { Transition } from '../core/lifecycle.js';
import { Outcome } from '../core/outcome.js';
import { DEAD_LETTER_HEADERS, type DeadLetter } from '../codec/dead-letter.js';
import type { SourceRecord } from '../codec/source-record.js';
import { Engine } from '../engine/engine.js';
import type { EngineAlert } from '../engine/batch-result.js';
import { replayFile, type RecordSink } from './reader.js';
import type { RejectReason } from './summary.js';

/** Finish a batch (evict idle series when due, hand out the alerts) every this many rows. */
const BATCH_ROWS = 1024;

export interface ReplayObserver {
  /** Every alert event, in the order the engine produced them. */
  alert(a: EngineAlert): void;
  /** A row that was skipped: a file-level problem, or the decoder's reason for the record. */
  reject(file: string, line: string, reason: RejectReason, detail: string): void;
  /**
   * Every record right after the engine processed it (`dead`: its dead letter, if it became one),
   * while the engine's lastSlot and lastBaseline still describe it: what replay --report draws.
   */
  processed?(record: SourceRecord, dead: DeadLetter | undefined): void;
}

export interface ReplayTotals {
  /** Rows that became samples (rejected rows not counted). */
  readonly rows: number;
  /** Samples refused because the store was full. */
  readonly refused: number;
  /** Breaches that cleared before `for` let them fire. */
  readonly heldBack: number;
}

export class ReplayRun {
  readonly engine: Engine;
  private rows = 0;
  private refused = 0;
  private heldBack = 0;
  private pending = 0;

  constructor(
    private readonly config: Config,
    private readonly observer: ReplayObserver,
    private readonly now: () => number = Date.now,
  ) {
    this.engine = new Engine({
      rules: config.rules,
      maxSeries: config.store.maxSeries,
      initialCapacity: config.store.initialCapacity,
      idleTimeoutMs: config.store.idleTimeoutMs,
      flapWindowMs: config.alerts.flapWindowMs,
      source: { topic: 'replay', partition: 0 },
    });
    this.engine.begin(now());
  }

  /** Streams one file (`-` = stdin) through the engine. Throws ReplayInputError when it cannot be read. */
  async file(path: string, onBytes?: (bytes: number) => void): Promise<void> {
    const name = path === '-' ? 'stdin' : path;
    const sink: RecordSink = {
      record: (record) => {
        // A record the decoder refused is reported at once, like a row the reader refused.
        const dead = this.engine.process(record);
        if (dead !== undefined) this.observer.reject(name, record.offset, dead.reason, String(dead.headers[DEAD_LETTER_HEADERS.error]));
        this.observer.processed?.(record, dead);
        if (++this.pending === BATCH_ROWS) this.finishBatch();
      },
      reject: (file, line, reason, detail) => this.observer.reject(file, String(line), reason, detail),
    };
    try {
      await replayFile(path, sink, onBytes);
    } finally {
      this.finishBatch();
    }
  }

  get totals(): ReplayTotals {
    return { rows: this.rows, refused: this.refused, heldBack: this.heldBack };
  }

  private finishBatch(): void {
    const result = this.engine.finish();
    this.rows += result.records - result.deadLetters.length;
    this.refused += result.outcomeCount(Outcome.Refused);
    for (let r = 0; r < this.config.rules.length; r++) this.heldBack += result.transitionCount(r, Transition.HeldBack);
    for (const a of result.alerts) this.observer.alert(a);
    this.engine.begin(this.now());
    this.pending = 0;
  }
}
