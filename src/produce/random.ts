/**
 * Seeded randomness for the synthetic load: a 32-bit integer hash to derive independent seeds
 * (per series, per host), and mulberry32 whose whole state is one uint32, so a generator can keep
 * one stream per series in a `Uint32Array` slot. One stream per series makes a series' samples a
 * function of (seed, series index, sample number) alone: the same whatever the series count,
 * the record format or the order in which series are drawn.
 */

/** murmur3's fmix32 over a combination of the inputs: well-mixed, independent seeds. */
export function hash32(a: number, b = 0, c = 0): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35) ^ Math.imul(c + 0x165667b1, 0x27d4eb2f)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Advances the mulberry32 stream held in `state[i]` and returns a float in [0, 1). */
export function nextUniform(state: Uint32Array, i: number): number {
  const a = (state[i]! + 0x6d2b79f5) >>> 0;
  state[i] = a;
  let t = Math.imul(a ^ (a >>> 15), a | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A standalone mulberry32 stream (for one-off draws such as a series' shape). */
export function mulberry32(seed: number): () => number {
  const state = new Uint32Array([seed >>> 0]);
  return () => nextUniform(state, 0);
}

/**
 * A standard normal draw from stream `i` (Box–Muller). The second value of each pair is kept in
 * `spare[i]` (NaN = none) and returned by the next call, so two samples cost one log and one sqrt.
 */
export function nextGaussian(state: Uint32Array, spare: Float64Array, i: number): number {
  const s = spare[i]!;
  if (s === s) {
    spare[i] = NaN;
    return s;
  }
  let u = 0;
  while (u === 0) u = nextUniform(state, i);
  const v = nextUniform(state, i);
  const r = Math.sqrt(-2 * Math.log(u));
  spare[i] = r * Math.sin(2 * Math.PI * v);
  return r * Math.cos(2 * Math.PI * v);
}
