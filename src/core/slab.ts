/**
 * Growing a typed-array slab: a new array of `length` with the old contents copied in (cut when
 * shorter). Slabs grow by doubling, so this runs O(log n) times per store, never per sample.
 */
type Slab = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

export function grow<T extends Slab>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a.subarray(0, Math.min(a.length, length)) as never);
  return b;
}
