/**
 * A byte-keyed hash table from series key to slot: open addressing with linear probing over an
 * Int32Array, the key bytes kept in one growable arena. Looking a key up hashes and compares the
 * bytes in place, so the hot path never makes a string or any other object from a record's key.
 *
 * Deletion shifts later entries of the probe run back (no tombstones), so lookups stay short after
 * many evictions. Freed arena bytes are reclaimed by compaction once they exceed half the arena.
 */

const EMPTY = -1;
/** The table is rebuilt larger before it is more than half full: short probe runs. */
const MAX_LOAD = 0.5;

export class KeyTable {
  /** table[i] = slot, or EMPTY. Length is a power of two. */
  private table: Int32Array;
  private mask: number;
  /** Per slot: the key's hash, its offset and length in the arena. */
  hashes: Uint32Array;
  offsets: Uint32Array;
  lengths: Uint32Array;
  arena: Uint8Array;
  /** Bytes in use at the end of the arena, and how many of them belong to removed keys. */
  private arenaEnd = 0;
  private arenaGarbage = 0;
  size = 0;
  /** Hash of the last key passed to find(), so a following insert() need not hash it again. */
  lastHash = 0;

  constructor(slotCapacity: number) {
    const tableSize = nextPow2(Math.ceil(slotCapacity / MAX_LOAD));
    this.table = new Int32Array(tableSize).fill(EMPTY);
    this.mask = tableSize - 1;
    this.hashes = new Uint32Array(slotCapacity);
    this.offsets = new Uint32Array(slotCapacity);
    this.lengths = new Uint32Array(slotCapacity);
    this.arena = new Uint8Array(slotCapacity * 64);
  }

  /** Bytes of table and per-slot index per slot (the key bytes themselves are counted apart). */
  static bytesPerSlot(): number {
    return 4 / MAX_LOAD + 12;
  }

  get arenaBytes(): number {
    return this.arena.length;
  }

  get tableBytes(): number {
    return this.table.byteLength + this.hashes.byteLength + this.offsets.byteLength + this.lengths.byteLength;
  }

  growSlots(slotCapacity: number): void {
    const h = new Uint32Array(slotCapacity);
    h.set(this.hashes);
    this.hashes = h;
    const o = new Uint32Array(slotCapacity);
    o.set(this.offsets);
    this.offsets = o;
    const l = new Uint32Array(slotCapacity);
    l.set(this.lengths);
    this.lengths = l;
    const needed = nextPow2(Math.ceil(slotCapacity / MAX_LOAD));
    if (needed > this.table.length) this.rehash(needed);
  }

  /** Slot of key[start, end), or -1. Sets lastHash. */
  find(key: Uint8Array, start: number, end: number): number {
    const hash = hashBytes(key, start, end);
    this.lastHash = hash;
    const table = this.table;
    const mask = this.mask;
    const len = end - start;
    let i = hash & mask;
    for (;;) {
      const slot = table[i];
      if (slot === EMPTY) return -1;
      if (this.hashes[slot] === hash && this.lengths[slot] === len && this.sameBytes(slot, key, start, len)) {
        return slot;
      }
      i = (i + 1) & mask;
    }
  }

  /** Maps key[start, end) to slot. The key must not be present; call find() first (it sets lastHash). */
  insert(key: Uint8Array, start: number, end: number, slot: number, hash = this.lastHash): void {
    const len = end - start;
    if (this.arenaEnd + len > this.arena.length) this.makeRoom(len);
    this.arena.set(key.subarray(start, end), this.arenaEnd);
    this.offsets[slot] = this.arenaEnd;
    this.lengths[slot] = len;
    this.hashes[slot] = hash;
    this.arenaEnd += len;
    const table = this.table;
    const mask = this.mask;
    let i = hash & mask;
    while (table[i] !== EMPTY) i = (i + 1) & mask;
    table[i] = slot;
    this.size++;
  }

  /** Removes the key of `slot`. */
  remove(slot: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = this.hashes[slot] & mask;
    while (table[i] !== slot) {
      if (table[i] === EMPTY) return;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move later members of the run into the hole when their home
    // position does not lie cyclically in (hole, j].
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = table[j];
      if (s === EMPTY) break;
      const home = this.hashes[s] & mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        table[hole] = s;
        hole = j;
      }
    }
    table[hole] = EMPTY;
    this.arenaGarbage += this.lengths[slot];
    this.lengths[slot] = 0;
    this.size--;
  }

  /** The key bytes of `slot` (a view into the arena: copy it to keep it). */
  keyOf(slot: number): Uint8Array {
    const o = this.offsets[slot];
    return this.arena.subarray(o, o + this.lengths[slot]);
  }

  private sameBytes(slot: number, key: Uint8Array, start: number, len: number): boolean {
    const arena = this.arena;
    const o = this.offsets[slot];
    for (let i = 0; i < len; i++) {
      if (arena[o + i] !== key[start + i]) return false;
    }
    return true;
  }

  private rehash(tableSize: number): void {
    const old = this.table;
    const table = new Int32Array(tableSize).fill(EMPTY);
    const mask = tableSize - 1;
    for (let k = 0; k < old.length; k++) {
      const slot = old[k];
      if (slot === EMPTY) continue;
      let i = this.hashes[slot] & mask;
      while (table[i] !== EMPTY) i = (i + 1) & mask;
      table[i] = slot;
    }
    this.table = table;
    this.mask = mask;
  }

  /** Compacts the arena when half of it is garbage, else doubles it. */
  private makeRoom(len: number): void {
    const live = this.arenaEnd - this.arenaGarbage;
    if (this.arenaGarbage > live) {
      const arena = new Uint8Array(Math.max(this.arena.length, nextPow2(live + len)));
      let end = 0;
      for (let k = 0; k < this.table.length; k++) {
        const slot = this.table[k];
        if (slot === EMPTY) continue;
        const o = this.offsets[slot];
        const l = this.lengths[slot];
        arena.set(this.arena.subarray(o, o + l), end);
        this.offsets[slot] = end;
        end += l;
      }
      this.arena = arena;
      this.arenaEnd = end;
      this.arenaGarbage = 0;
      if (end + len <= arena.length) return;
    }
    const grown = new Uint8Array(nextPow2(Math.max(this.arena.length * 2, this.arenaEnd + len)));
    grown.set(this.arena.subarray(0, this.arenaEnd));
    this.arena = grown;
  }
}

/**
 * FNV-1a over the bytes, with a final avalanche so that linear probing on the low bits spreads
 * keys that differ only near their end (the common case: `...,host="web-17"}`).
 */
export function hashBytes(key: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ key[i], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
