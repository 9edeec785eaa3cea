/**
 * Where a restore of an input partition may start reading the changelog, carried in the metadata
 * of the group's committed offset of that partition: `checkpoint <changelog partition>@<offset>`,
 * the offset of the first chunk of the latest checkpoint written before that commit.
 *
 * Why: a changelog partition holds, until compaction catches up, several generations of a
 * partition's checkpoint (the active segment is never compacted): reading it whole costs a
 * multiple of one checkpoint. Every checkpoint written later lies at a higher offset, so reading
 * from the pointer to the end still finds the newest one; a pointer that is stale (the commit
 * after the last checkpoint never came) only means reading a little more. A restore that finds
 * nothing usable from there reads the whole partition, as without a pointer.
 */

export interface CheckpointPointer {
  readonly changelogPartition: number;
  /** Offset of the checkpoint's first chunk in that changelog partition. */
  readonly offset: bigint;
}

const PATTERN = /^checkpoint (\d{1,9})@(\d{1,19})$/;

export function formatPointer(pointer: CheckpointPointer): string {
  return `checkpoint ${pointer.changelogPartition}@${pointer.offset}`;
}

/** The pointer in a committed offset's metadata, or null (none, or metadata sigmawatch did not write). */
export function parsePointer(metadata: string | null | undefined): CheckpointPointer | null {
  const m = metadata == null ? null : PATTERN.exec(metadata);
  if (m === null) return null;
  return { changelogPartition: Number(m[1]), offset: BigInt(m[2]!) };
}
