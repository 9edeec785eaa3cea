/**
 * Which checkpoint a newly assigned partition restores, decided from what the changelog holds and
 * the group's committed offset: the newest one that is complete, sound (checksum, format), written
 * under these rules for this group, and not ahead of the committed offset. Each one passed over is
 * reported with its reason (the caller logs those of the plan it uses); when none is left the
 * partition learns from its data.
 */
import type { Engine, EngineOptions } from '../engine/engine.js';
import { CheckpointError, decodeCheckpoint, restoreEngine } from '../engine/checkpoint.js';
import { keysOfManifest, type ChangelogImage, type Manifest } from './changelog-records.js';
import type { RestoreResult } from './checkpoint-metrics.js';

/** Manifests tried per partition (older ones are usually compacted away or their chunks removed). */
const MAX_CANDIDATES = 3;

export interface RestoreContext {
  readonly engineOptions: EngineOptions;
  readonly fingerprint: string;
  readonly group: string;
}

/** A checkpoint not used, and why. */
export interface PassedOver {
  readonly partition: number;
  readonly generation?: string;
  readonly offset?: string;
  readonly reason: RestoreResult;
  readonly problem: string;
}

export interface RestorePlan {
  readonly result: RestoreResult;
  /** The restored engine (result 'restored'), else null: start empty. */
  readonly engine: Engine | null;
  /** The offset the restored state reflects: read from here on. */
  readonly offset: bigint | null;
  /**
   * Chunk keys of the partition to remove once a newer checkpoint is written (by the next write):
   * the other generations read, those the restored manifest says it replaces (its writer may have
   * died before removing them), and the restored generation itself.
   */
  readonly staleKeys: readonly string[];
  readonly bytes: number;
  /** The checkpoints passed over, newest first (unreadable manifests first of all). */
  readonly passedOver: readonly PassedOver[];
}

/** `committed`: the group's committed offset of the partition, or null when it has none. */
/** The result is 'restored', else the newest checkpoint's problem (or 'none'). */
export function planRestore(image: ChangelogImage, partition: number, committed: bigint | null, ctx: RestoreContext): RestorePlan {
  const passedOver: PassedOver[] = image.badManifests(partition).map((bad) => ({ partition, reason: 'corrupt', problem: bad.problem }));
  const skip = (m: Manifest, reason: RestoreResult, problem: string) =>
    passedOver.push({ partition, generation: m.generation, offset: m.offset, reason, problem });
  for (const candidate of image.candidates(partition, MAX_CANDIDATES)) {
    const { manifest } = candidate;
    const refused =
      candidate.bytes === null ? { reason: 'incomplete' as const, problem: candidate.problem } : refusal(manifest, committed, ctx.group);
    if (refused !== null) {
      skip(manifest, refused.reason, refused.problem);
      continue;
    }
    try {
      const checkpoint = decodeCheckpoint(candidate.bytes!, ctx.fingerprint);
      if (checkpoint.offset.toString() !== manifest.offset)
        throw new CheckpointError('corrupt', `checkpoint holds offset ${checkpoint.offset}, its manifest ${manifest.offset}`);
      const engine = restoreEngine(ctx.engineOptions, checkpoint);
      const { own, replaced } = keysOfManifest(manifest);
      return {
        result: 'restored',
        engine,
        offset: checkpoint.offset,
        staleKeys: [...new Set([...image.staleChunkKeys(partition, manifest.generation), ...replaced, ...own])],
        bytes: candidate.bytes!.length,
        passedOver,
      };
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      skip(manifest, e.reason, e.message);
    }
  }
  const result = passedOver[0]?.reason ?? 'none';
  return { result, engine: null, offset: null, staleKeys: image.staleChunkKeys(partition, null), bytes: 0, passedOver };
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
