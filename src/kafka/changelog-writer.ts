/**
 * Writes checkpoints to the changelog in the background, one at a time: checksum (in slices, so
 * batches keep flowing between them), chunks, then the manifest once every chunk is acknowledged,
 * then tombstones for the chunks the new generation replaces (see changelog-records.ts).
 *
 * It has its own producer: a checkpoint of tens of megabytes must not queue in front of a batch's
 * alerts. Chunks are not idempotent-produced: a duplicate chunk is the same key with the same value.
 */
import type { Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { crc32Update } from '../engine/crc32.js';
import { checksumRange, sealCheckpoint } from '../engine/checkpoint.js';
import {
  changelogPartitionOf,
  chunkRecords,
  manifestRecord,
  MANIFEST_FORMAT,
  newGeneration,
  summarizeChunkKeys,
} from './changelog-records.js';
import type { CheckpointPointer } from './checkpoint-pointer.js';
import type { CheckpointMetrics } from './checkpoint-metrics.js';
import { chunkMessages } from './chunks.js';

/** Checksum this much, then let the event loop run (a few ms of work with zlib's CRC). */
const CHECKSUM_SLICE = 16 * 1024 * 1024;
/** Chunk requests in flight at once. */
const CONCURRENT_CHUNKS = 4;

export interface ChangelogWriterOptions {
  readonly producer: Producer;
  readonly topic: string;
  /** Partitions of the changelog: input partition p is written to p mod this. */
  readonly changelogPartitions: number;
  readonly group: string;
  readonly log: Logger;
  readonly metrics: CheckpointMetrics;
  readonly now: () => number;
}

export interface CheckpointJob {
  readonly partition: number;
  /** openCheckpoint()'s bytes (sealed here). */
  readonly checkpoint: Uint8Array;
  readonly offset: bigint;
  /** performance.now() when the state was copied: the write time runs from there. */
  readonly startedAt: number;
}

export class ChangelogWriter {
  private tail: Promise<unknown> = Promise.resolve();
  /** Per input partition: chunk keys the next write of it tombstones. */
  private readonly replaced = new Map<number, string[]>();

  constructor(private readonly options: ChangelogWriterOptions) {}

  /** Chunk keys of `partition` that no usable checkpoint needs (found at restore): the next write removes them. */
  replaceLater(partition: number, keys: readonly string[]): void {
    if (keys.length > 0) this.replaced.set(partition, [...(this.replaced.get(partition) ?? []), ...keys]);
  }

  /**
   * Queues a write; resolves once its manifest is acknowledged with where its first chunk lies
   * (the pointer the partition's next commits carry), or null when it failed (logged, counted).
   */
  write(job: CheckpointJob): Promise<CheckpointPointer | null> {
    const done = this.tail.then(() => this.writeNow(job));
    this.tail = done;
    return done;
  }

  /** Resolves when every queued write has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }

  private async writeNow(job: CheckpointJob): Promise<CheckpointPointer | null> {
    const { partition, checkpoint } = job;
    const generation = newGeneration(this.options.now());
    try {
      const crc = await checksumInSlices(checksumRange(checkpoint));
      sealCheckpoint(checkpoint, crc);
      const chunks = chunkRecords(partition, generation, checkpoint);
      const firstOffset = await this.sendConcurrently(partition, chunks);
      const replacing = this.replaced.get(partition) ?? [];
      const manifest = {
        format: MANIFEST_FORMAT,
        partition,
        generation,
        chunks: chunks.length,
        bytes: checkpoint.length,
        offset: job.offset.toString(),
        crc,
        group: this.options.group,
        writtenAt: this.options.now(),
        // What the tombstones below remove: a restore that reads the changelog from this
        // checkpoint on removes them too, should this writer die before it does.
        ...(replacing.length > 0 ? { replaces: summarizeChunkKeys(replacing) } : {}),
      };
      await this.send(partition, [manifestRecord(manifest)]);
      const seconds = (performance.now() - job.startedAt) / 1000;
      this.options.metrics.checkpoints.labels('written').inc();
      this.options.metrics.checkpointBytes.labels(String(partition)).set(checkpoint.length);
      this.options.metrics.checkpointWrite.observe(seconds);
      this.options.log.debug(
        { partition, generation, offset: manifest.offset, bytes: checkpoint.length, chunks: chunks.length, seconds },
        'checkpoint written',
      );
      await this.tombstone(
        partition,
        chunks.map((c) => c.key as string),
      );
      return { changelogPartition: changelogPartitionOf(partition, this.options.changelogPartitions), offset: firstOffset };
    } catch (e) {
      this.options.metrics.checkpoints.labels('failed').inc();
      this.options.log.warn({ partition, generation, err: e }, 'checkpoint not written; the next one will be');
      return null;
    }
  }

  /** Removes the chunks the new generation replaces; on failure they wait for the next write. */
  private async tombstone(partition: number, current: string[]): Promise<void> {
    const old = this.replaced.get(partition) ?? [];
    this.replaced.set(partition, current);
    if (old.length === 0) return;
    try {
      await this.send(
        partition,
        old.map((key) => ({ key, value: null })),
      );
    } catch (e) {
      this.replaceLater(partition, old);
      this.options.log.warn({ partition, err: e }, 'replaced checkpoint chunks not removed yet');
    }
  }

  /** Sends the chunks, a few requests at a time (so in any order); returns the lowest of their offsets. */
  private async sendConcurrently(partition: number, chunks: Message[]): Promise<bigint> {
    let first: bigint | null = null;
    for (let i = 0; i < chunks.length; i += CONCURRENT_CHUNKS) {
      const offsets = await Promise.all(chunks.slice(i, i + CONCURRENT_CHUNKS).map((c) => this.send(partition, [c])));
      for (const o of offsets) if (first === null || o < first) first = o;
    }
    return first ?? 0n;
  }

  /**
   * Sends `messages` to the partition's changelog partition, one request after the other; returns
   * the offset of the first (0 when the acknowledgement gives none: a restore reads from the start).
   */
  private async send(partition: number, messages: Message[]): Promise<bigint> {
    const target = changelogPartitionOf(partition, this.options.changelogPartitions);
    let first: bigint | null = null;
    for (const request of chunkMessages(messages)) {
      const [acked] = await this.options.producer.send({
        topic: this.options.topic,
        acks: -1,
        messages: request.map((m) => ({ ...m, partition: target })),
      });
      first ??= BigInt(acked?.baseOffset ?? '-1');
    }
    return first !== null && first >= 0n ? first : 0n;
  }
}

/** CRC-32 of `bytes`, yielding to the event loop between slices. */
async function checksumInSlices(bytes: Uint8Array): Promise<number> {
  let crc = 0;
  for (let at = 0; at < bytes.length; at += CHECKSUM_SLICE) {
    crc = crc32Update(crc, bytes.subarray(at, at + CHECKSUM_SLICE));
    if (at + CHECKSUM_SLICE < bytes.length) await new Promise((resolve) => setImmediate(resolve));
  }
  return crc;
}
