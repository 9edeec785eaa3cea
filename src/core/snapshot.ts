/**
 * A small sectioned binary format for checkpoints of typed-array state.
 *
 *   "SGWS" | u32 header length | header JSON (kind, version, meta, sections) | padding to 8 |
 *   section bytes, each padded to 8 (so typed-array views of the payload stay aligned)
 *
 * Several components can share one snapshot (an engine's checkpoint): each names its sections and
 * its meta entry with its own prefix (`store.ring`, `lifecycle.state`).
 */

const MAGIC = 0x53574753; // "SGWS" little-endian

type Typed = Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;
type TypeName = 'f64' | 'u32' | 'i32' | 'u16' | 'u8';

interface Section {
  name: string;
  type: TypeName;
  length: number;
}

function typeName(a: Typed): TypeName {
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint16Array) return 'u16';
  return 'u8';
}

const pad8 = (n: number) => (n + 7) & ~7;
const BYTES: Record<TypeName, number> = { f64: 8, u32: 4, i32: 4, u16: 2, u8: 1 };

/** Fills a section's view of the output (a section written in place, without a copy of its own). */
type SectionWriter = (into: Typed) => void;

export class Snapshot {
  private readonly sections: Section[] = [];
  private readonly data: (Typed | SectionWriter)[] = [];

  constructor(
    private readonly kind: string,
    private readonly version: number,
    private readonly meta: Record<string, unknown> = {},
  ) {}

  /** Sets one entry of the header's meta (a component's sizes, under its prefix). */
  setMeta(name: string, value: unknown): void {
    this.meta[name] = value;
  }

  add(name: string, a: Typed): void {
    this.sections.push({ name, type: typeName(a), length: a.length });
    this.data.push(a);
  }

  /**
   * A section of `length` elements of `type` that `write` fills in toBytes(), straight into the
   * output: for data gathered from several places (a slab's used parts, keys), which would
   * otherwise be copied twice. A large state's checkpoint holds its batch for one copy only.
   */
  addWritten(name: string, type: TypeName, length: number, write: SectionWriter): void {
    this.sections.push({ name, type, length });
    this.data.push(write);
  }

  /**
   * The snapshot's bytes, after `room` free bytes at the start (for an envelope such as a
   * checkpoint header, so the payload is not copied again).
   */
  toBytes(room = 0): Uint8Array {
    const header = new TextEncoder().encode(
      JSON.stringify({ kind: this.kind, version: this.version, meta: this.meta, sections: this.sections }),
    );
    let size = pad8(8 + header.length);
    for (const section of this.sections) size += pad8(section.length * BYTES[section.type]);
    const whole = new Uint8Array(room + size);
    const out = whole.subarray(room);
    const view = new DataView(whole.buffer, room);
    view.setUint32(0, MAGIC, true);
    view.setUint32(4, header.length, true);
    out.set(header, 8);
    let o = pad8(8 + header.length);
    this.sections.forEach((section, i) => {
      const data = this.data[i]!;
      const view = viewOf(whole.buffer, room + o, section);
      if (typeof data === 'function') data(view);
      else view.set(data as never);
      o += pad8(view.byteLength);
    });
    return whole;
  }
}

export class SnapshotReader {
  readonly meta: unknown;
  private readonly views = new Map<string, Typed>();

  constructor(bytes: Uint8Array, kind: string, version: number) {
    // Sections are viewed in place when the bytes start 8-aligned (a checkpoint read back is);
    // otherwise they are copied once into an aligned buffer.
    const buf = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (buf.length < 8 || view.getUint32(0, true) !== MAGIC) {
      throw new Error(`not a sigmawatch snapshot (bad magic)`);
    }
    const headerLength = view.getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + headerLength))) as {
      kind: string;
      version: number;
      meta: unknown;
      sections: Section[];
    };
    if (header.kind !== kind || header.version !== version) {
      throw new Error(`snapshot holds ${header.kind} v${header.version}, expected ${kind} v${version}`);
    }
    this.meta = header.meta;
    let o = pad8(8 + headerLength);
    for (const s of header.sections) {
      // Checked here: a view into a larger buffer would not throw past the snapshot's end.
      if (!(Number.isSafeInteger(s.length) && s.length >= 0 && BYTES[s.type] !== undefined && o + s.length * BYTES[s.type] <= buf.length)) {
        throw new Error(`snapshot is truncated (section ${s.name} runs past its end)`);
      }
      const a = viewOf(buf.buffer, buf.byteOffset + o, s);
      this.views.set(s.name, a);
      o += pad8(a.byteLength);
    }
    if (o !== buf.length) throw new Error(`snapshot is truncated or has trailing bytes`);
  }

  /** The meta entry a component wrote under `name` (see Snapshot.setMeta). */
  metaOf(name: string): unknown {
    return (this.meta as Record<string, unknown> | null)?.[name];
  }

  has(name: string): boolean {
    return this.views.has(name);
  }

  get(name: string): Typed {
    const a = this.views.get(name);
    if (!a) throw new Error(`snapshot has no section ${name}`);
    return a;
  }
  f64 = (name: string) => this.get(name) as Float64Array;
  u32 = (name: string) => this.get(name) as Uint32Array;
  i32 = (name: string) => this.get(name) as Int32Array;
  u16 = (name: string) => this.get(name) as Uint16Array;
  u8 = (name: string) => this.get(name) as Uint8Array;
}

function viewOf(buffer: ArrayBufferLike, offset: number, s: Section): Typed {
  switch (s.type) {
    case 'f64':
      return new Float64Array(buffer, offset, s.length);
    case 'u32':
      return new Uint32Array(buffer, offset, s.length);
    case 'i32':
      return new Int32Array(buffer, offset, s.length);
    case 'u16':
      return new Uint16Array(buffer, offset, s.length);
    case 'u8':
      return new Uint8Array(buffer, offset, s.length);
  }
}
