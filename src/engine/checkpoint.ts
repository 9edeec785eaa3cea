/**
 * A checkpoint: one partition's engine state (Engine.snapshot()) in an envelope that says what a
 * restore must check before trusting it. All integers little-endian:
 *
 *   0   4  magic "SWCK"
 *   4   4  format version (CHECKPOINT_VERSION)
 *   8   4  CRC-32 of bytes [12, end): everything below, so any flipped bit is caught
 *   12  4  reserved, 0
 *   16  8  the rules' fingerprint (engine/fingerprint.ts)
 *   24  8  the input offset the state reflects: the next record to read (i64)
 *   32  8  payload length (u64)
 *   40     payload: Engine.snapshot()
 *
 * openCheckpoint() writes all but the checksum while the engine is idle between batches (a copy of
 * its slabs); the checksum of a large state takes a while, so the caller may compute it in slices
 * (`checksumRange`) and seal it later. decodeCheckpoint() never trusts a byte before the checksum
 * and the header agree; every problem is a CheckpointError with its reason.
 */
import { crc32 } from './crc32.js';
import { Engine, type EngineOptions } from './engine.js';

const MAGIC = 0x4b435753; // "SWCK" little-endian
export const CHECKPOINT_VERSION = 1;
export const CHECKPOINT_HEADER_BYTES = 40;
const CRC_AT = 8;
const CRC_FROM = 12;

/** Why a checkpoint cannot be used. */
export type CheckpointProblem =
  /** Shorter or longer than its header says. */
  | 'truncated'
  /** Not a checkpoint, or its checksum does not match. */
  | 'corrupt'
  /** Another format version. */
  | 'version'
  /** Written under other rules. */
  | 'rules'
  /** Sound, but does not fit this engine (e.g. more series than store.max_series). */
  | 'incompatible';

export class CheckpointError extends Error {
  constructor(
    readonly reason: CheckpointProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CheckpointError';
  }
}

/** The bytes of a checkpoint of `engine` at input `offset`, checksum not yet set (see sealCheckpoint). */
export function openCheckpoint(engine: Engine, offset: bigint, fingerprint: string): Uint8Array {
  const bytes = engine.snapshot(CHECKPOINT_HEADER_BYTES);
  const view = new DataView(bytes.buffer, bytes.byteOffset, CHECKPOINT_HEADER_BYTES);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, CHECKPOINT_VERSION, true);
  view.setBigUint64(16, fingerprintBits(fingerprint), true);
  view.setBigInt64(24, offset, true);
  view.setBigUint64(32, BigInt(bytes.length - CHECKPOINT_HEADER_BYTES), true);
  return bytes;
}

/** The bytes the checksum covers. */
export function checksumRange(checkpoint: Uint8Array): Uint8Array {
  return checkpoint.subarray(CRC_FROM);
}

/** Writes the checksum (computed now unless given: crc32 of checksumRange()). */
export function sealCheckpoint(checkpoint: Uint8Array, crc = crc32(checksumRange(checkpoint))): Uint8Array {
  new DataView(checkpoint.buffer, checkpoint.byteOffset).setUint32(CRC_AT, crc, true);
  return checkpoint;
}

/** A whole checkpoint at once (tests, benchmarks). */
export function encodeCheckpoint(engine: Engine, offset: bigint, fingerprint: string): Uint8Array {
  return sealCheckpoint(openCheckpoint(engine, offset, fingerprint));
}

export interface DecodedCheckpoint {
  /** The next input offset: the state reflects every record before it. */
  readonly offset: bigint;
  readonly payload: Uint8Array;
  readonly crc: number;
}

/** Checks the envelope (length, magic, version, checksum, then rules); throws CheckpointError. */
export function decodeCheckpoint(bytes: Uint8Array, fingerprint: string): DecodedCheckpoint {
  if (bytes.length < CHECKPOINT_HEADER_BYTES)
    throw new CheckpointError('truncated', `checkpoint of ${bytes.length} bytes is shorter than its header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, CHECKPOINT_HEADER_BYTES);
  if (view.getUint32(0, true) !== MAGIC) throw new CheckpointError('corrupt', 'not a sigmawatch checkpoint (bad magic)');
  const version = view.getUint32(4, true);
  if (version !== CHECKPOINT_VERSION)
    throw new CheckpointError('version', `checkpoint format ${version}, this version reads ${CHECKPOINT_VERSION}`);
  const length = view.getBigUint64(32, true);
  if (length !== BigInt(bytes.length - CHECKPOINT_HEADER_BYTES)) {
    throw new CheckpointError(
      'truncated',
      `checkpoint payload has ${bytes.length - CHECKPOINT_HEADER_BYTES} bytes, its header says ${length}`,
    );
  }
  const crc = view.getUint32(CRC_AT, true);
  const actual = crc32(checksumRange(bytes));
  if (crc !== actual) throw new CheckpointError('corrupt', `checkpoint checksum ${hex(actual)} does not match ${hex(crc)}`);
  if (view.getBigUint64(16, true) !== fingerprintBits(fingerprint)) {
    throw new CheckpointError(
      'rules',
      `checkpoint was written under other rules (fingerprint ${view.getBigUint64(16, true).toString(16).padStart(16, '0')}, now ${fingerprint})`,
    );
  }
  return { offset: view.getBigInt64(24, true), payload: bytes.subarray(CHECKPOINT_HEADER_BYTES), crc };
}

/** A new engine holding a decoded checkpoint's state; CheckpointError('incompatible') when it does not fit. */
export function restoreEngine(options: EngineOptions, checkpoint: DecodedCheckpoint): Engine {
  const engine = new Engine(options);
  try {
    engine.restore(checkpoint.payload);
  } catch (e) {
    engine.release(); // whatever of it was counted in the worker's series budget
    throw new CheckpointError('incompatible', `checkpoint does not fit this engine: ${(e as Error).message}`, { cause: e });
  }
  return engine;
}

function fingerprintBits(fingerprint: string): bigint {
  return BigInt(`0x${fingerprint}`);
}

const hex = (n: number) => n.toString(16).padStart(8, '0');
