/**
 * A map bounded to about `2 × capacity` entries without per-access bookkeeping: two generations,
 * `young` and `old`. A hit in `old` is promoted to `young`; when `young` reaches `capacity` it
 * becomes `old` and the previous `old` is dropped whole. An entry not touched for a whole generation
 * (`capacity` distinct newer keys) is forgotten, which is what the decoders want for series ids and
 * counter state: the live set stays, the departed fall out, and memory never grows past the bound.
 * Cheaper than an LRU (no delete + re-insert per hit) and amortised O(1).
 */
export class BoundedMap<K, V> {
  #young = new Map<K, V>();
  #old = new Map<K, V>();
  readonly #capacity: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be an integer ≥ 1, got ${capacity}`);
    this.#capacity = capacity;
  }

  get(key: K): V | undefined {
    const hit = this.#young.get(key);
    if (hit !== undefined) return hit;
    const old = this.#old.get(key);
    if (old !== undefined) {
      this.#old.delete(key);
      this.#insert(key, old);
    }
    return old;
  }

  set(key: K, value: V): void {
    if (this.#young.has(key)) this.#young.set(key, value);
    else {
      this.#old.delete(key);
      this.#insert(key, value);
    }
  }

  /** Entries held now (at most 2 × capacity). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  #insert(key: K, value: V): void {
    if (this.#young.size >= this.#capacity) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
  }
}
