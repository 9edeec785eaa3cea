/**
 * A byte-keyed hash table from series key to slot: open addressing with linear probing, the key
 * bytes kept in one arena, hashed and compared in place, so the hot path never makes a string or
 * any other object from a record's key.
 *
 * Everything lives in one WebAssembly linear memory per table, and the per-sample work, find(),
 * runs in a small WebAssembly module (key-table.c, embedded in key-table-wasm.ts): copy the key in
 * (one memcpy), then hash it with 8-byte loads and 64-bit multiplies, probe, and compare. That is
 * about half the cost of the same in JS, where this lookup was the dearest step of the real path.
 * The rare operations (insert, remove, growth, compaction) stay here, on typed-array views of the
 * same memory.
 *
 * Cache misses bound a lookup, so each touches few lines: a table entry packs an 8-bit tag of the
 * hash with the slot (most mismatches end there), and a key's arena offset and length sit side by
 * side. Deletion shifts later entries of the probe run back (no tombstones), so lookups stay short
 * after many evictions. Freed arena bytes are reclaimed by compaction once they exceed half the arena.
 */
import { KEY_TABLE_WASM_BASE64 } from './key-table-wasm.js';

/** An empty table entry (tag 255 with slot MAX_SLOTS, which is never handed out). */
const EMPTY = -1;
const SLOT_BITS = 24;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
/** Slots are below this (the entry keeps 24 bits for the slot). */
export const MAX_SLOTS = SLOT_MASK;
/** The table is rebuilt larger before it is more than half full: short probe runs. */
const MAX_LOAD = 0.5;
/** The module's own static data and stack sit below this; our regions start here. */
const RESERVED = 2 * 65536;
const PAGE = 65536;

interface KeyTableExports {
  layout(scratch: number, table: number, mask: number, spans: number, arena: number): void;
  hash(at: number, len: number): number;
  find(len: number): number;
}

/** Compiled once per process; each table instantiates it over its own memory. */
const MODULE = new WebAssembly.Module(base64Bytes(KEY_TABLE_WASM_BASE64));

const align8 = (n: number) => (n + 7) & ~7;

export class KeyTable {
  private memory!: WebAssembly.Memory;
  private wasm!: KeyTableExports;
  private u8!: Uint8Array;
  private i32!: Int32Array;
  private u32!: Uint32Array;
  /** Byte offsets of the regions, and their sizes. */
  private scratch = RESERVED;
  private scratchBytes = 0;
  private table = 0;
  private tableLength = 0;
  private spans = 0;
  private slotCapacity = 0;
  private arena = 0;
  private arenaCapacity = 0;
  /** Bytes in use at the start of the arena, and how many of them belong to removed keys. */
  private arenaEnd = 0;
  private arenaGarbage = 0;
  size = 0;

  constructor(slotCapacity: number) {
    if (slotCapacity > MAX_SLOTS) throw new RangeError(`at most ${MAX_SLOTS} slots, got ${slotCapacity}`);
    this.layout(256, nextPow2(Math.ceil(slotCapacity / MAX_LOAD)), slotCapacity, slotCapacity * 64);
  }

  /** Bytes of table and span per slot (the key bytes themselves are counted apart). */
  static bytesPerSlot(): number {
    return 4 / MAX_LOAD + 8;
  }

  get arenaBytes(): number {
    return this.arenaCapacity + this.scratchBytes + RESERVED;
  }

  get tableBytes(): number {
    return 4 * this.tableLength + 8 * this.slotCapacity;
  }

  /** Length in bytes of the key of `slot` (0 when the slot holds none). */
  lengthOf(slot: number): number {
    return this.u32[(this.spans >>> 2) + 2 * slot + 1];
  }

  growSlots(slotCapacity: number): void {
    if (slotCapacity > MAX_SLOTS) throw new RangeError(`at most ${MAX_SLOTS} slots, got ${slotCapacity}`);
    const tableLength = Math.max(this.tableLength, nextPow2(Math.ceil(slotCapacity / MAX_LOAD)));
    this.layout(this.scratchBytes, tableLength, slotCapacity, this.arenaCapacity);
  }

  /**
   * Makes room for `bytes` more key bytes (padding included) in one layout. A restore inserting
   * 100k keys at once would otherwise double the arena a dozen times, moving every key each time.
   */
  reserveKeyBytes(bytes: number): void {
    const needed = this.arenaEnd + bytes;
    if (needed > this.arenaCapacity) this.layout(this.scratchBytes, this.tableLength, this.slotCapacity, nextPow2(needed));
  }

  /** Slot of key[start, end), or -1. */
  find(key: Uint8Array, start: number, end: number): number {
    const len = end - start;
    if (len > this.scratchBytes) this.layout(nextPow2(len), this.tableLength, this.slotCapacity, this.arenaCapacity);
    if (start === 0 && end === key.length) this.u8.set(key, this.scratch);
    else this.u8.set(key.subarray(start, end), this.scratch);
    return this.wasm.find(len);
  }

  /** Maps key[start, end) to slot. The key must not be present (find() it first). */
  insert(key: Uint8Array, start: number, end: number, slot: number): void {
    const len = end - start;
    const padded = align8(len);
    if (this.arenaEnd + padded > this.arenaCapacity) this.makeRoom(padded);
    this.u8.set(key.subarray(start, end), this.arena + this.arenaEnd);
    const s = (this.spans >>> 2) + 2 * slot;
    this.u32[s] = this.arenaEnd;
    this.u32[s + 1] = len;
    this.arenaEnd += padded;
    this.place(this.hashOf(slot), slot);
    this.size++;
  }

  /** Removes the key of `slot`. */
  remove(slot: number): void {
    const len = this.lengthOf(slot);
    if (len === 0) return;
    const table = this.i32;
    const base = this.table >>> 2;
    const mask = this.tableLength - 1;
    const hash = this.hashOf(slot);
    const entry = ((hash >>> SLOT_BITS) << SLOT_BITS) | slot;
    let i = hash & mask;
    while (table[base + i] !== entry) {
      if (table[base + i] === EMPTY) return;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move later members of the run into the hole when their home
    // position does not lie cyclically in (hole, j].
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = table[base + j];
      if (e === EMPTY) break;
      const home = this.hashOf(e & SLOT_MASK) & mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        table[base + hole] = e;
        hole = j;
      }
    }
    table[base + hole] = EMPTY;
    this.arenaGarbage += align8(len);
    this.u32[(this.spans >>> 2) + 2 * slot + 1] = 0;
    this.size--;
  }

  /** The key bytes of `slot`: a view into the table's memory, valid until the next insert; copy it to keep it. */
  keyOf(slot: number): Uint8Array {
    const s = (this.spans >>> 2) + 2 * slot;
    const at = this.arena + this.u32[s];
    return this.u8.subarray(at, at + this.u32[s + 1]);
  }

  private hashOf(slot: number): number {
    const s = (this.spans >>> 2) + 2 * slot;
    return this.wasm.hash(this.arena + this.u32[s], this.u32[s + 1]) >>> 0;
  }

  private place(hash: number, slot: number): void {
    const table = this.i32;
    const base = this.table >>> 2;
    const mask = this.tableLength - 1;
    let i = hash & mask;
    while (table[base + i] !== EMPTY) i = (i + 1) & mask;
    table[base + i] = ((hash >>> SLOT_BITS) << SLOT_BITS) | slot;
  }

  /**
   * Lays the regions out in a new memory of these sizes and moves the live keys over (compacted),
   * rebuilding the table. Growth only: the cost is amortised over the doublings that call it.
   */
  private layout(scratchBytes: number, tableLength: number, slotCapacity: number, arenaCapacity: number): void {
    const scratch = RESERVED;
    const table = scratch + align8(scratchBytes);
    const spans = table + 4 * tableLength;
    const arena = align8(spans + 8 * slotCapacity);
    const memory = new WebAssembly.Memory({ initial: Math.ceil((arena + arenaCapacity) / PAGE) });
    const wasm = new WebAssembly.Instance(MODULE, { env: { memory } }).exports as unknown as KeyTableExports;
    wasm.layout(scratch, table, tableLength - 1, spans, arena);
    const u8 = new Uint8Array(memory.buffer);
    const u32 = new Uint32Array(memory.buffer);
    const i32 = new Int32Array(memory.buffer);
    i32.fill(EMPTY, table >>> 2, (table >>> 2) + tableLength);

    const old =
      this.memory === undefined ? null : { u8: this.u8, u32: this.u32, spans: this.spans, arena: this.arena, slots: this.slotCapacity };
    let end = 0;
    if (old !== null) {
      for (let slot = 0; slot < old.slots; slot++) {
        const s = (old.spans >>> 2) + 2 * slot;
        const len = old.u32[s + 1];
        if (len === 0) continue;
        u8.set(old.u8.subarray(old.arena + old.u32[s], old.arena + old.u32[s] + len), arena + end);
        u32[(spans >>> 2) + 2 * slot] = end;
        u32[(spans >>> 2) + 2 * slot + 1] = len;
        end += align8(len);
      }
    }
    this.memory = memory;
    this.wasm = wasm;
    this.u8 = u8;
    this.u32 = u32;
    this.i32 = i32;
    this.scratch = scratch;
    this.scratchBytes = scratchBytes;
    this.table = table;
    this.tableLength = tableLength;
    this.spans = spans;
    this.slotCapacity = slotCapacity;
    this.arena = arena;
    this.arenaCapacity = arenaCapacity;
    this.arenaEnd = end;
    this.arenaGarbage = 0;
    for (let slot = 0; slot < slotCapacity; slot++) if (this.lengthOf(slot) !== 0) this.place(this.hashOf(slot), slot);
  }

  /** Compacts the arena when half of it is garbage, else doubles it (at least enough for `len`). */
  private makeRoom(len: number): void {
    const live = this.arenaEnd - this.arenaGarbage;
    const capacity =
      this.arenaGarbage > live && live + len <= this.arenaCapacity
        ? this.arenaCapacity
        : nextPow2(Math.max(2 * this.arenaCapacity, live + len));
    this.layout(this.scratchBytes, this.tableLength, this.slotCapacity, capacity);
  }
}

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
