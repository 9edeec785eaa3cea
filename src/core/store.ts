/**
 * SeriesStore: series key bytes → slot, and per-slot state in struct-of-arrays typed slabs
 * (the rolling window and its statistics, last-seen time, the rule that applies).
 *
 * One store per partition. Slabs grow by doubling up to `maxSeries`; beyond it new series are
 * refused (the caller counts them) so memory stays bounded. Series idle for longer than a given
 * time (on sample timestamps, passed in) are evicted and their slots reused.
 */
import { KeyTable, MAX_SLOTS } from './key-table.js';
import { RollingWindows } from './window.js';
import { grow } from './slab.js';
import { Snapshot, SnapshotReader } from './snapshot.js';
import type { SeriesBudget } from './series-budget.js';

export interface StoreOptions {
  /** Largest window (W) any series in this store will use: the ring length per slot. */
  readonly stride: number;
  /** Hard bound on live series. */
  readonly maxSeries: number;
  /** Slots allocated up front; grows by doubling. */
  readonly initialCapacity?: number;
  /** Keep short-window statistics (multi-window rules need them). Default true. */
  readonly withShort?: boolean;
  /** A bound shared with other stores (the worker's store.max_series); none = maxSeries alone. */
  readonly budget?: SeriesBudget;
}

const UTF8 = new TextDecoder();

/** `rule` value of a series that no rule matches: remembered so its labels are not parsed again. */
export const NO_RULE = 255;
export const MAX_RULES = 255;

export class SeriesStore {
  readonly stride: number;
  readonly maxSeries: number;
  readonly keys: KeyTable;
  readonly windows: RollingWindows;
  /** Sample time (ms) of the last sample seen per slot. */
  lastSeen: Float64Array;
  /** Index of the rule that applies to the slot, or NO_RULE. */
  rule: Uint8Array;
  capacity: number;
  /** Slots below this have been handed out at least once. */
  private fresh = 0;
  private free: Int32Array;
  private freeCount = 0;
  private readonly budget: SeriesBudget | undefined;
  /** Whether this store's series are counted in the budget (until release()). */
  private counted = true;

  constructor(opts: StoreOptions) {
    const { stride, maxSeries } = opts;
    if (!Number.isInteger(maxSeries) || maxSeries < 1 || maxSeries > MAX_SLOTS) {
      throw new RangeError(`maxSeries must be an integer from 1 to ${MAX_SLOTS}, got ${maxSeries}`);
    }
    const capacity = Math.max(1, Math.min(opts.initialCapacity ?? 1024, maxSeries));
    this.stride = stride;
    this.maxSeries = maxSeries;
    this.capacity = capacity;
    this.keys = new KeyTable(capacity);
    this.windows = new RollingWindows(stride, capacity, opts.withShort ?? true);
    this.lastSeen = new Float64Array(capacity);
    this.rule = new Uint8Array(capacity);
    this.free = new Int32Array(capacity);
    this.budget = opts.budget;
  }

  /** Whether the slot holds a series (a held key is never empty). */
  isAlive(slot: number): boolean {
    return this.keys.lengthOf(slot) !== 0;
  }

  /** Live series. */
  get size(): number {
    return this.keys.size;
  }

  /** Slab bytes per slot, excluding key bytes: the structural cost of one series. */
  static bytesPerSlot(stride: number, withShort = false): number {
    return RollingWindows.bytesPerSlot(stride, withShort) + KeyTable.bytesPerSlot() + 8 + 1 + 4;
  }

  /** Bytes allocated now, key arena included. */
  get allocatedBytes(): number {
    const w = this.windows;
    return (
      w.ring.byteLength +
      w.capacity * (RollingWindows.bytesPerSlot(this.stride, w.withShort) - 8 * this.stride) +
      this.keys.tableBytes +
      this.keys.arenaBytes +
      this.lastSeen.byteLength +
      this.rule.byteLength +
      this.free.byteLength
    );
  }

  /** Slot of key[start, end), or -1. */
  find(key: Uint8Array, start = 0, end = key.length): number {
    return this.keys.find(key, start, end);
  }

  /**
   * Adds a series (not present: find() it first); returns its slot, or -1 when the store holds
   * maxSeries series or the shared budget is spent.
   */
  insert(key: Uint8Array, start: number, end: number, rule: number, window: number, shortWindow: number): number {
    let slot: number;
    if (this.freeCount > 0) {
      if (this.budget !== undefined && !this.budget.tryTake()) return -1;
      slot = this.free[--this.freeCount];
    } else {
      if (this.fresh === this.capacity && this.capacity >= this.maxSeries) return -1;
      if (this.budget !== undefined && !this.budget.tryTake()) return -1;
      if (this.fresh === this.capacity) this.grow(Math.min(this.capacity * 2, this.maxSeries));
      slot = this.fresh++;
    }
    this.keys.insert(key, start, end, slot);
    this.windows.reset(slot, window, shortWindow);
    this.rule[slot] = rule;
    this.lastSeen[slot] = -Infinity;
    return slot;
  }

  remove(slot: number): void {
    if (!this.isAlive(slot)) return;
    this.keys.remove(slot);
    this.free[this.freeCount++] = slot;
    if (this.counted) this.budget?.release(1);
  }

  /** Gives this store's series back to the shared budget: the store is being dropped (its partition left). Idempotent. */
  releaseBudget(): void {
    if (this.counted) this.budget?.release(this.size);
    this.counted = false;
  }

  /**
   * Evicts every series whose last sample is older than `cutoff` (ms). `beforeEvict` sees each slot
   * first (to resolve its alerts). O(slots): call it now and then, not per sample.
   */
  evictIdle(cutoff: number, beforeEvict?: (slot: number) => void): number {
    let evicted = 0;
    for (let slot = 0; slot < this.fresh; slot++) {
      if (this.isAlive(slot) && this.lastSeen[slot] < cutoff) {
        beforeEvict?.(slot);
        this.remove(slot);
        evicted++;
      }
    }
    return evicted;
  }

  /** The series key of `slot` as text (for alerts and logs; allocates). */
  keyString(slot: number): string {
    return UTF8.decode(this.keys.keyOf(slot));
  }

  /** Calls fn for every live slot. */
  forEach(fn: (slot: number) => void): void {
    for (let slot = 0; slot < this.fresh; slot++) if (this.isAlive(slot)) fn(slot);
  }

  private grow(capacity: number): void {
    this.keys.growSlots(capacity);
    this.windows.grow(capacity);
    this.lastSeen = grow(this.lastSeen, capacity);
    this.rule = grow(this.rule, capacity);
    this.free = grow(this.free, capacity);
    this.capacity = capacity;
  }

  /** Slots handed out so far: every slab beyond this holds nothing (a checkpoint writes [0, slotsUsed)). */
  get slotsUsed(): number {
    return this.fresh;
  }

  /** Every slab and key, as bytes (a checkpoint). */
  snapshot(): Uint8Array {
    const s = new Snapshot('SeriesStore', 2);
    this.writeSnapshot(s, '');
    return s.toBytes();
  }

  static restore(bytes: Uint8Array): SeriesStore {
    const r = new SnapshotReader(bytes, 'SeriesStore', 2);
    const meta = r.metaOf('') as StoreMeta;
    const store = new SeriesStore({
      stride: meta.stride,
      maxSeries: meta.maxSeries,
      initialCapacity: meta.capacity,
      withShort: meta.withShort,
    });
    store.readSnapshot(r, '');
    return store;
  }

  /**
   * Adds the store's state to `s`, sections and meta named with `prefix`: the slabs of the slots
   * handed out, the ring values each slot holds (count[slot] of them: the positions past it are
   * never read), the free list and the keys.
   */
  writeSnapshot(s: Snapshot, prefix: string): void {
    const meta: StoreMeta = {
      stride: this.stride,
      maxSeries: this.maxSeries,
      capacity: this.capacity,
      fresh: this.fresh,
      freeCount: this.freeCount,
      withShort: this.windows.withShort,
    };
    s.setMeta(prefix, meta);
    this.writeRingValues(s, `${prefix}ring`);
    for (const name of SLOT_SLABS) {
      const slab = slabOf(this, name);
      s.add(prefix + name, slab.subarray(0, Math.min(this.fresh, slab.length)));
    }
    s.add(`${prefix}free`, this.free.subarray(0, this.freeCount));
    const keyLengths = new Uint32Array(this.fresh);
    let keyBytes = 0;
    for (let slot = 0; slot < this.fresh; slot++) keyBytes += keyLengths[slot] = this.keys.lengthOf(slot);
    s.add(`${prefix}keyLengths`, keyLengths);
    s.addWritten(`${prefix}keys`, 'u8', keyBytes, (into) => {
      for (let slot = 0, o = 0; slot < this.fresh; slot++) {
        if (keyLengths[slot] === 0) continue;
        into.set(this.keys.keyOf(slot), o);
        o += keyLengths[slot];
      }
    });
  }

  /**
   * Loads what writeSnapshot wrote under `prefix` into this store, which must be empty and built
   * alike (same stride, short windows or not). Throws when the snapshot does not fit it (more
   * slots than maxSeries allows, another layout, sections of the wrong size).
   */
  readSnapshot(r: SnapshotReader, prefix: string): void {
    const meta = r.metaOf(prefix) as StoreMeta | undefined;
    if (meta === undefined) throw new Error(`snapshot has no store under "${prefix}"`);
    if (this.fresh !== 0) throw new Error('a store snapshot loads into an empty store only');
    if (meta.stride !== this.stride || meta.withShort !== this.windows.withShort) {
      throw new Error(
        `snapshot's store has stride ${meta.stride} (short windows ${meta.withShort}), this one ${this.stride} (${this.windows.withShort})`,
      );
    }
    if (meta.fresh > this.maxSeries)
      throw new Error(`snapshot's store holds ${meta.fresh} slots, more than max_series (${this.maxSeries})`);
    const capacity = Math.min(this.maxSeries, Math.max(meta.capacity, meta.fresh));
    if (capacity > this.capacity) this.grow(capacity);
    for (const name of SLOT_SLABS) slabOf(this, name).set(r.get(prefix + name) as never);
    this.placeRingValues(r.f64(`${prefix}ring`), meta.fresh);
    this.free.set(r.i32(`${prefix}free`));
    this.freeCount = meta.freeCount;
    this.fresh = meta.fresh;
    const keyLengths = r.u32(`${prefix}keyLengths`);
    const keys = r.u8(`${prefix}keys`);
    this.keys.reserveKeyBytes(keys.length + 7 * meta.fresh); // each key padded to 8 bytes
    let offset = 0;
    for (let slot = 0; slot < meta.fresh; slot++) {
      if (keyLengths[slot] === 0) continue;
      const end = offset + keyLengths[slot];
      if (end > keys.length) throw new Error("snapshot's key lengths run past its key bytes");
      this.keys.insert(keys, offset, end, slot);
      offset = end;
    }
    if (this.counted) this.budget?.add(this.size);
  }

  /**
   * The first count[slot] ring values of every slot handed out, slot after slot, written straight
   * into the snapshot. Runs of full rings (the usual case) are one block copy each.
   */
  private writeRingValues(s: Snapshot, name: string): void {
    const { ring, count } = this.windows;
    const stride = this.stride;
    const slots = this.fresh;
    let n = 0;
    for (let slot = 0; slot < slots; slot++) n += count[slot];
    s.addWritten(name, 'f64', n, (into) => {
      let o = 0;
      for (let slot = 0; slot < slots; ) {
        let end = slot;
        while (end < slots && count[end] === stride) end++;
        if (end > slot) {
          into.set(ring.subarray(slot * stride, end * stride), o);
          o += (end - slot) * stride;
          slot = end;
          continue;
        }
        const base = slot * stride;
        for (let i = 0, c = count[slot]; i < c; i++) into[o++] = ring[base + i];
        slot++;
      }
    });
  }

  /** writeRingValues() back into the ring (count[] already loaded); runs of full rings in one block copy. */
  private placeRingValues(values: Float64Array, slots: number): void {
    const { ring, count } = this.windows;
    const stride = this.stride;
    let total = 0;
    for (let slot = 0; slot < slots; slot++) {
      if (count[slot] > stride) throw new Error("snapshot's ring counts exceed the stride");
      total += count[slot];
    }
    if (total !== values.length) throw new Error("snapshot's ring values do not match its counts");
    for (let slot = 0, o = 0; slot < slots; ) {
      let end = slot;
      while (end < slots && count[end] === stride) end++;
      if (end > slot) {
        ring.set(values.subarray(o, o + (end - slot) * stride), slot * stride);
        o += (end - slot) * stride;
        slot = end;
        continue;
      }
      const base = slot * stride;
      for (let i = 0, c = count[slot]; i < c; i++) ring[base + i] = values[o++];
      slot++;
    }
  }
}

/** What a store snapshot's meta says about it. */
interface StoreMeta {
  stride: number;
  maxSeries: number;
  capacity: number;
  fresh: number;
  freeCount: number;
  withShort: boolean;
}

const SLOT_SLABS = [
  'head',
  'count',
  'window',
  'shortWindow',
  'shift',
  'shortShift',
  'sum',
  'sumSq',
  'shortSum',
  'shortSumSq',
  'lastSeen',
  'rule',
] as const;
type SlotSlab = (typeof SLOT_SLABS)[number];

function slabOf(store: SeriesStore, name: SlotSlab): Float64Array | Uint16Array | Uint8Array {
  switch (name) {
    case 'lastSeen':
      return store.lastSeen;
    case 'rule':
      return store.rule;
    default:
      return store.windows[name];
  }
}
