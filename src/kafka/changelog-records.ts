/**
 * The changelog's records: how one partition's checkpoint is cut into records the broker accepts,
 * and how a reader finds the latest complete one again. Pure (no client): the writer and the
 * reader wrap it.
 *
 * A checkpoint of input partition p is written as
 *   - chunks keyed `p/<generation>/<i>`, i = 0 … n−1, each at most CHUNK_BYTES of the checkpoint
 *     (engine/checkpoint.ts) — under the broker's default message.max.bytes of 1 MiB;
 *   - then, once every chunk is acknowledged, the manifest keyed `p/manifest` (JSON: generation,
 *     chunk count, bytes, input offset, CRC-32, consumer group);
 *   - then tombstones for the chunks of the generations it replaces (which the manifest lists, so
 *     that a restore reading only from this checkpoint on can remove them if the writer did not).
 * The generation is unique per write (time and random bits), so two writers (an old owner still
 * flushing, the new one) never mix their chunks, and compaction keeps one manifest per partition.
 * A reader assembles only a generation some manifest names, never a half-written one: a writer
 * that dies before its manifest leaves chunks nobody reads (tombstoned by the next write).
 */
import { randomBytes } from 'node:crypto';
import type { Message } from 'kafkajs';

/** Bytes of checkpoint per record: half the broker's default message.max.bytes. */
export const CHUNK_BYTES = 512 * 1024;
export const MANIFEST_FORMAT = 1;
/** Chunks of one generation a manifest may name as replaced: 512 GiB of checkpoint, beyond any real one. */
const MAX_CHUNKS = 1 << 20;

export interface Manifest {
  readonly format: number;
  readonly partition: number;
  readonly generation: string;
  readonly chunks: number;
  /** Bytes of the whole checkpoint. */
  readonly bytes: number;
  /** The input offset the state reflects (the next record to read), as a decimal string. */
  readonly offset: string;
  readonly crc: number;
  /** The consumer group whose offsets the checkpoint goes with. */
  readonly group: string;
  /** Wall clock of the write (Unix ms), for people reading the topic. */
  readonly writtenAt: number;
  /** Generation → chunk count of the chunks this write replaces (tombstoned right after it). */
  readonly replaces?: Readonly<Record<string, number>>;
}

export const manifestKey = (partition: number): string => `${partition}/manifest`;

/** The changelog partition input partition `partition` is checkpointed to, of `count`: p mod count (see changelog-topic.ts). */
export const changelogPartitionOf = (partition: number, count: number): number => partition % count;
export const chunkKey = (partition: number, generation: string, chunk: number): string => `${partition}/${generation}/${chunk}`;

/** A new generation name: sortable by time, unique by its random part. */
export function newGeneration(now: number): string {
  return `${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** The chunk records of a checkpoint (values are views of `checkpoint`, not copies). */
export function chunkRecords(partition: number, generation: string, checkpoint: Uint8Array): Message[] {
  const out: Message[] = [];
  for (let i = 0, at = 0; at < checkpoint.length || i === 0; i++, at += CHUNK_BYTES) {
    const end = Math.min(checkpoint.length, at + CHUNK_BYTES);
    out.push({ key: chunkKey(partition, generation, i), value: Buffer.from(checkpoint.buffer, checkpoint.byteOffset + at, end - at) });
  }
  return out;
}

/** Chunk keys of one partition, as generation → chunk count (the highest index + 1): a manifest's `replaces`. */
export function summarizeChunkKeys(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) {
    const parsed = parseChangelogKey(key);
    if (parsed === null || parsed.chunk === null) continue;
    out[parsed.generation] = Math.max(out[parsed.generation] ?? 0, parsed.chunk + 1);
  }
  return out;
}

/** The chunk keys a manifest's checkpoint consists of, and those it says it replaces. */
export function keysOfManifest(m: Manifest): { own: string[]; replaced: string[] } {
  const keys = (generation: string, count: number) => Array.from({ length: count }, (_, i) => chunkKey(m.partition, generation, i));
  return {
    own: keys(m.generation, m.chunks),
    replaced: Object.entries(m.replaces ?? {}).flatMap(([generation, count]) => keys(generation, count)),
  };
}

export function manifestRecord(m: Manifest): Message {
  return { key: manifestKey(m.partition), value: JSON.stringify(m) };
}

type ParsedKey = { partition: number; chunk: null } | { partition: number; generation: string; chunk: number };

/** The partition and the role of a changelog key, or null for a key sigmawatch did not write. */
export function parseChangelogKey(key: string): ParsedKey | null {
  const parts = key.split('/');
  const partition = Number(parts[0]);
  if (!Number.isSafeInteger(partition) || partition < 0 || parts[0] === '') return null;
  if (parts.length === 2 && parts[1] === 'manifest') return { partition, chunk: null };
  const chunk = Number(parts[2]);
  if (parts.length !== 3 || parts[1] === '' || !Number.isSafeInteger(chunk) || chunk < 0 || parts[2] === '') return null;
  return { partition, generation: parts[1]!, chunk };
}

/** A checkpoint a manifest names: its bytes, or why they cannot be assembled. */
export type Candidate =
  | { readonly manifest: Manifest; readonly bytes: Uint8Array }
  | { readonly manifest: Manifest; readonly bytes: null; readonly problem: string };

/** A manifest record that is no manifest: counted as a corrupt checkpoint. */
export interface BadManifest {
  readonly partition: number;
  readonly problem: string;
}

/**
 * What the changelog holds, read in offset order: the latest value of every chunk key and, per
 * partition, the manifests in the order written (compaction may have removed older ones).
 */
export class ChangelogImage {
  private readonly chunks = new Map<string, Buffer>();
  private readonly manifests = new Map<number, Manifest[]>();
  private readonly bad = new Map<number, BadManifest[]>();

  /** One record, in offset order. */
  add(key: Buffer | null, value: Buffer | null): void {
    if (key === null) return;
    const k = key.toString('utf8');
    const parsed = parseChangelogKey(k);
    if (parsed === null) return;
    if (parsed.chunk !== null) {
      if (value === null) this.chunks.delete(k);
      else this.chunks.set(k, value);
      return;
    }
    if (value === null) {
      this.manifests.delete(parsed.partition);
      return;
    }
    const manifest = parseManifest(value, parsed.partition);
    if (typeof manifest === 'string') listOf(this.bad, parsed.partition).push({ partition: parsed.partition, problem: manifest });
    else listOf(this.manifests, parsed.partition).push(manifest);
  }

  /** Manifest records of `partition` that could not be read. */
  badManifests(partition: number): readonly BadManifest[] {
    return this.bad.get(partition) ?? [];
  }

  /** The checkpoints manifests of `partition` name, newest first, each generation once, at most `limit`. */
  candidates(partition: number, limit: number): Candidate[] {
    const out: Candidate[] = [];
    const seen = new Set<string>();
    const list = this.manifests.get(partition) ?? [];
    for (let i = list.length - 1; i >= 0 && out.length < limit; i--) {
      const m = list[i]!;
      if (seen.has(m.generation)) continue;
      seen.add(m.generation);
      out.push(this.assemble(m));
    }
    return out;
  }

  /** Chunk keys of `partition` held by generations other than `keep`: the next write tombstones them. */
  staleChunkKeys(partition: number, keep: string | null): string[] {
    const prefix = `${partition}/`;
    const keepPrefix = keep === null ? null : `${partition}/${keep}/`;
    return [...this.chunks.keys()].filter((k) => k.startsWith(prefix) && (keepPrefix === null || !k.startsWith(keepPrefix)));
  }

  private assemble(m: Manifest): Candidate {
    const parts: Buffer[] = [];
    for (let i = 0; i < m.chunks; i++) {
      const chunk = this.chunks.get(chunkKey(m.partition, m.generation, i));
      if (chunk === undefined)
        return { manifest: m, bytes: null, problem: `chunk ${i} of ${m.chunks} of generation ${m.generation} is missing` };
      parts.push(chunk);
    }
    const bytes = Buffer.concat(parts);
    if (bytes.length !== m.bytes)
      return { manifest: m, bytes: null, problem: `generation ${m.generation} has ${bytes.length} bytes, its manifest says ${m.bytes}` };
    return { manifest: m, bytes };
  }
}

/** The manifest in `value`, or what is wrong with it. */
function parseManifest(value: Buffer, partition: number): Manifest | string {
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(value.toString('utf8')) as Partial<Manifest>;
  } catch {
    return 'the manifest is not JSON';
  }
  if (m === null || typeof m !== 'object') return 'the manifest is not a JSON object';
  if (m.format !== MANIFEST_FORMAT) return `manifest format ${String(m.format)}, this version reads ${MANIFEST_FORMAT}`;
  const ok =
    m.partition === partition &&
    typeof m.generation === 'string' &&
    m.generation !== '' &&
    !m.generation.includes('/') &&
    Number.isSafeInteger(m.chunks) &&
    m.chunks! > 0 &&
    Number.isSafeInteger(m.bytes) &&
    typeof m.offset === 'string' &&
    /^\d+$/.test(m.offset) &&
    typeof m.group === 'string' &&
    (m.replaces === undefined || validReplaces(m.replaces));
  return ok ? (m as Manifest) : 'the manifest lacks a field or has one of the wrong type';
}

function validReplaces(replaces: unknown): boolean {
  if (replaces === null || typeof replaces !== 'object' || Array.isArray(replaces)) return false;
  return Object.entries(replaces).every(
    ([generation, count]) =>
      generation !== '' &&
      !generation.includes('/') &&
      Number.isSafeInteger(count) &&
      (count as number) > 0 &&
      (count as number) <= MAX_CHUNKS,
  );
}

function listOf<T>(map: Map<number, T[]>, key: number): T[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  return list;
}
