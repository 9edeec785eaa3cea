/**
 * Which checkpoint a newly assigned partition restores, decided from what the changelog holds and
 * the group's committed offset: the newest one that is complete, sound (checksum, format), written
 * under these rules for this group, and not ahead of the committed offset. Each one passed over is
 * logged with its reason; when none is left the partition learns from its data.
 */
import type { Logger } from 'pino';
import type { Engine, EngineOptions } from '../engine/engine.js';
import { CheckpointError, decodeCheckpoint, restoreEngine } from '../engine/checkpoint.js';
import type { ChangelogImage, Manifest } from './changelog-records.js';
import type { RestoreResult } from './checkpoint-metrics.js';

/** Manifests tried per partition (older ones are usually compacted away or their chunks removed). */
const MAX_CANDIDATES = 3;

export interface RestoreContext {
  readonly engineOptions: EngineOptions;
  readonly fingerprint: string;
  readonly group: string;
  readonly log: Logger;
}

export interface RestorePlan {
  readonly result: RestoreResult;
  /** The restored engine (result 'restored'), else null: start empty. */
  readonly engine: Engine | null;
  /** The offset the restored state reflects: read from here on. */
  readonly offset: bigint | null;
  /** Chunk keys of the partition that no checkpoint in use needs (tombstoned by the next write). */
  readonly staleKeys: readonly string[];
  readonly bytes: number;
}

/** `committed`: the group's committed offset of the partition, or null when it has none. */
/** The result is 'restored', else the newest checkpoint's problem (or 'none'). */
export function planRestore(image: ChangelogImage, partition: number, committed: bigint | null, ctx: RestoreContext): RestorePlan {
  let result: RestoreResult = 'none';
  for (const bad of image.badManifests(partition)) {
    ctx.log.warn({ partition, reason: 'corrupt', problem: bad.problem }, 'checkpoint skipped');
    if (result === 'none') result = 'corrupt';
  }
  for (const candidate of image.candidates(partition, MAX_CANDIDATES)) {
    const { manifest } = candidate;
    const refused =
      candidate.bytes === null ? { reason: 'incomplete' as const, problem: candidate.problem } : refusal(manifest, committed, ctx.group);
    if (refused !== null) {
      skip(ctx, partition, manifest, refused.reason, refused.problem);
      if (result === 'none') result = refused.reason;
      continue;
    }
    try {
      const checkpoint = decodeCheckpoint(candidate.bytes!, ctx.fingerprint);
      if (checkpoint.offset.toString() !== manifest.offset)
        throw new CheckpointError('corrupt', `checkpoint holds offset ${checkpoint.offset}, its manifest ${manifest.offset}`);
      const engine = restoreEngine(ctx.engineOptions, checkpoint);
      return {
        result: 'restored',
        engine,
        offset: checkpoint.offset,
        staleKeys: image.staleChunkKeys(partition, manifest.generation),
        bytes: candidate.bytes!.length,
      };
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      skip(ctx, partition, manifest, e.reason, e.message);
      if (result === 'none') result = e.reason;
    }
  }
  return { result, engine: null, offset: null, staleKeys: image.staleChunkKeys(partition, null), bytes: 0 };
}

/** Why a complete checkpoint must not be used whatever its bytes say, or null. */
function refusal(m: Manifest, committed: bigint | null, group: string): { reason: RestoreResult; problem: string } | null {
  if (m.group !== group) {
    return {
      reason: 'other_group',
      problem: `written for consumer group ${m.group}, not ${group} (give each group its own kafka.topics.changelog)`,
    };
  }
  if (committed === null || BigInt(m.offset) > committed) {
    return {
      reason: 'ahead',
      problem: `it reflects input up to offset ${m.offset}, beyond the group's committed offset ${committed ?? 'none'} (were offsets reset?)`,
    };
  }
  return null;
}

function skip(ctx: RestoreContext, partition: number, m: Manifest, reason: RestoreResult, problem: string): void {
  ctx.log.warn({ partition, generation: m.generation, offset: m.offset, reason, problem }, 'checkpoint skipped');
}
