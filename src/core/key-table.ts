/**
 * A byte-keyed hash table from series key to slot: open addressing with linear probing over one
 * Int32Array, the key bytes kept in one growable, word-aligned arena. Looking a key up hashes and
 * compares the bytes in place, four at a time, so the hot path never makes a string or any other
 * object from a record's key.
 *
 * Cache misses, not arithmetic, bound a lookup, so each touches few lines: a table entry packs
 * an 8-bit tag of the hash with the slot (most mismatches end there), and a key's arena offset
 * and length sit side by side.
 *
 * Words are read through a DataView of the key's ArrayBuffer, cached while consecutive keys share
 * one buffer (kafkajs hands out the keys of a fetch as slices of one response buffer), so a lookup
 * allocates nothing and needs no alignment.
 *
 * Deletion shifts later entries of the probe run back (no tombstones), so lookups stay short after
 * many evictions. Freed arena bytes are reclaimed by compaction once they exceed half the arena.
 */

/** An empty table entry (tag 255 with slot MAX_SLOTS, which is never handed out). */
const EMPTY = -1;
const SLOT_BITS = 24;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
/** Slots are below this (the entry keeps 24 bits for the slot). */
export const MAX_SLOTS = SLOT_MASK;
/** The table is rebuilt larger before it is more than half full: short probe runs. */
const MAX_LOAD = 0.5;
/** DataView reads in the platform's byte order, so they agree with the arena's Int32Array. */
const LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class KeyTable {
  /** entry = tag << 24 | slot, or EMPTY; tag = the hash's top 8 bits. Length is a power of two. */
  private table: Int32Array;
  private mask: number;
  /** spans[2 * slot] = arena offset in 4-byte words, spans[2 * slot + 1] = key length in bytes (0 = no key). */
  spans: Uint32Array;
  /** Key bytes, each key starting on a word boundary; `arenaWords` views the same memory. */
  arena: Uint8Array;
  private arenaWords: Int32Array;
  private arenaView: DataView;
  /** Bytes in use at the end of the arena, and how many of them belong to removed keys. */
  private arenaEnd = 0;
  private arenaGarbage = 0;
  size = 0;
  /** The DataView of the last key's ArrayBuffer (see the file comment). */
  private viewBuffer: ArrayBufferLike | null = null;
  private view: DataView = new DataView(new ArrayBuffer(0));

  constructor(slotCapacity: number) {
    if (slotCapacity > MAX_SLOTS) throw new RangeError(`at most ${MAX_SLOTS} slots, got ${slotCapacity}`);
    const tableSize = nextPow2(Math.ceil(slotCapacity / MAX_LOAD));
    this.table = new Int32Array(tableSize).fill(EMPTY);
    this.mask = tableSize - 1;
    this.spans = new Uint32Array(2 * slotCapacity);
    this.arena = new Uint8Array(slotCapacity * 64);
    this.arenaWords = new Int32Array(this.arena.buffer);
    this.arenaView = new DataView(this.arena.buffer);
  }

  /** Bytes of table and span per slot (the key bytes themselves are counted apart). */
  static bytesPerSlot(): number {
    return 4 / MAX_LOAD + 8;
  }

  get arenaBytes(): number {
    return this.arena.length;
  }

  get tableBytes(): number {
    return this.table.byteLength + this.spans.byteLength;
  }

  /** Length in bytes of the key of `slot` (0 when the slot holds none). */
  lengthOf(slot: number): number {
    return this.spans[2 * slot + 1];
  }

  growSlots(slotCapacity: number): void {
    if (slotCapacity > MAX_SLOTS) throw new RangeError(`at most ${MAX_SLOTS} slots, got ${slotCapacity}`);
    const spans = new Uint32Array(2 * slotCapacity);
    spans.set(this.spans);
    this.spans = spans;
    const needed = nextPow2(Math.ceil(slotCapacity / MAX_LOAD));
    if (needed > this.table.length) this.rehash(needed);
  }

  /** Slot of key[start, end), or -1. */
  find(key: Uint8Array, start: number, end: number): number {
    const buffer = key.buffer;
    if (buffer !== this.viewBuffer) {
      this.viewBuffer = buffer;
      this.view = new DataView(buffer);
    }
    const view = this.view;
    const at = key.byteOffset + start;
    const len = end - start;
    const hash = hashView(view, at, len);
    const tag = hash >>> SLOT_BITS;
    const table = this.table;
    const spans = this.spans;
    const mask = this.mask;
    let i = hash & mask;
    for (;;) {
      const e = table[i];
      if (e === EMPTY) return -1;
      if (e >>> SLOT_BITS === tag) {
        const slot = e & SLOT_MASK;
        if (spans[2 * slot + 1] === len && this.sameKey(spans[2 * slot], view, at, len)) return slot;
      }
      i = (i + 1) & mask;
    }
  }

  /** Maps key[start, end) to slot. The key must not be present (find() it first). */
  insert(key: Uint8Array, start: number, end: number, slot: number): void {
    const len = end - start;
    const padded = (len + 3) & ~3;
    if (this.arenaEnd + padded > this.arena.length) this.makeRoom(padded);
    this.arena.set(key.subarray(start, end), this.arenaEnd);
    this.spans[2 * slot] = this.arenaEnd >>> 2;
    this.spans[2 * slot + 1] = len;
    this.arenaEnd += padded;
    this.place(this.hashOf(slot), slot);
    this.size++;
  }

  /** Removes the key of `slot`. */
  remove(slot: number): void {
    const len = this.spans[2 * slot + 1];
    if (len === 0) return;
    const table = this.table;
    const mask = this.mask;
    const hash = this.hashOf(slot);
    const entry = ((hash >>> SLOT_BITS) << SLOT_BITS) | slot;
    let i = hash & mask;
    while (table[i] !== entry) {
      if (table[i] === EMPTY) return;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move later members of the run into the hole when their home
    // position does not lie cyclically in (hole, j].
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = table[j];
      if (e === EMPTY) break;
      const home = this.hashOf(e & SLOT_MASK) & mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        table[hole] = e;
        hole = j;
      }
    }
    table[hole] = EMPTY;
    this.arenaGarbage += (len + 3) & ~3;
    this.spans[2 * slot + 1] = 0;
    this.size--;
  }

  /** The key bytes of `slot` (a view into the arena: copy it to keep it). */
  keyOf(slot: number): Uint8Array {
    const o = this.spans[2 * slot] << 2;
    return this.arena.subarray(o, o + this.spans[2 * slot + 1]);
  }

  /** The hash of the key held by `slot` (recomputed: for the rare paths, removal and growth). */
  private hashOf(slot: number): number {
    return hashView(this.arenaView, this.spans[2 * slot] << 2, this.spans[2 * slot + 1]);
  }

  private place(hash: number, slot: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = hash & mask;
    while (table[i] !== EMPTY) i = (i + 1) & mask;
    table[i] = ((hash >>> SLOT_BITS) << SLOT_BITS) | slot;
  }

  /** Whether the arena key at word `o` equals `len` bytes of `view` at `at`: word by word, then the tail. */
  private sameKey(o: number, view: DataView, at: number, len: number): boolean {
    const words = this.arenaWords;
    const n = len >>> 2;
    for (let i = 0; i < n; i++) {
      if (words[o + i] !== view.getInt32(at + (i << 2), LE)) return false;
    }
    const arena = this.arena;
    for (let i = n << 2; i < len; i++) {
      if (arena[(o << 2) + i] !== view.getUint8(at + i)) return false;
    }
    return true;
  }

  private rehash(tableSize: number): void {
    const old = this.table;
    this.table = new Int32Array(tableSize).fill(EMPTY);
    this.mask = tableSize - 1;
    for (let k = 0; k < old.length; k++) {
      const e = old[k];
      if (e !== EMPTY) this.place(this.hashOf(e & SLOT_MASK), e & SLOT_MASK);
    }
  }

  /** Compacts the arena when half of it is garbage, else doubles it. */
  private makeRoom(len: number): void {
    const live = this.arenaEnd - this.arenaGarbage;
    let arena: Uint8Array;
    if (this.arenaGarbage > live) {
      arena = new Uint8Array(Math.max(this.arena.length, nextPow2(live + len)));
      let end = 0;
      for (let k = 0; k < this.table.length; k++) {
        const e = this.table[k];
        if (e === EMPTY) continue;
        const slot = e & SLOT_MASK;
        const o = this.spans[2 * slot] << 2;
        const l = this.spans[2 * slot + 1];
        arena.set(this.arena.subarray(o, o + l), end);
        this.spans[2 * slot] = end >>> 2;
        end += (l + 3) & ~3;
      }
      this.arenaEnd = end;
      this.arenaGarbage = 0;
      if (end + len > arena.length) {
        const grown = new Uint8Array(nextPow2(end + len));
        grown.set(arena.subarray(0, end));
        arena = grown;
      }
    } else {
      arena = new Uint8Array(nextPow2(Math.max(this.arena.length * 2, this.arenaEnd + len)));
      arena.set(this.arena.subarray(0, this.arenaEnd));
    }
    this.arena = arena;
    this.arenaWords = new Int32Array(arena.buffer);
    this.arenaView = new DataView(arena.buffer);
  }
}

/**
 * MurmurHash3 (x86, 32-bit) of `len` bytes of `view` at `at`, four bytes per step: a quarter of
 * the multiplications of a byte-wise hash, and its final mix spreads keys that differ only near
 * their end (the common case: `...,host="web-17"}`) over the low bits linear probing uses.
 */
export function hashView(view: DataView, at: number, len: number): number {
  let h = 0;
  const n = len >>> 2;
  for (let i = 0; i < n; i++) {
    let k = Math.imul(view.getInt32(at + (i << 2), LE), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n << 2;
  if (len > tail) {
    let k = 0;
    for (let i = len - 1; i >= tail; i--) k = (k << 8) | view.getUint8(at + i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** hashView of key[start, end) (allocates a DataView: for tools and tests, not the hot path). */
export function hashBytes(key: Uint8Array, start: number, end: number): number {
  return hashView(new DataView(key.buffer, key.byteOffset), start, end - start);
}

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
