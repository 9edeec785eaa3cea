/**
 * A small msgpack writer for the encoders (sample records for the load generator and tests,
 * alert events). Not on the hot path. Hand-rolled rather than `@msgpack/msgpack`'s `encode` for
 * one reason: that encoder writes every integral number as an integer, and our schemas say which
 * fields are integers (timestamps) and which are always float64 (values, so `1.0` stays a float
 * for typed consumers in other languages).
 */

const TEXT_ENCODER = new TextEncoder();
const TWO_32 = 4294967296;

export class MsgpackWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #pos = 0;

  constructor(initialCapacity = 64) {
    this.#bytes = new Uint8Array(initialCapacity);
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** The bytes written so far, as a Buffer (what kafkajs wants) viewing this writer's memory. */
  finish(): Buffer {
    return Buffer.from(this.#bytes.buffer, 0, this.#pos);
  }

  nil(): this {
    this.#ensure(1);
    this.#bytes[this.#pos++] = 0xc0;
    return this;
  }

  /** An integer in the smallest msgpack encoding; `n` must be a safe integer. */
  int(n: number): this {
    if (!Number.isSafeInteger(n)) throw new RangeError(`MsgpackWriter.int: ${n} is not a safe integer`);
    this.#ensure(9);
    const b = this.#bytes;
    const v = this.#view;
    let p = this.#pos;
    if (n >= 0) {
      if (n < 0x80) b[p++] = n;
      else if (n <= 0xff) ((b[p++] = 0xcc), (b[p++] = n));
      else if (n <= 0xffff) ((b[p++] = 0xcd), v.setUint16(p, n), (p += 2));
      else if (n <= 0xffffffff) ((b[p++] = 0xce), v.setUint32(p, n), (p += 4));
      else {
        b[p++] = 0xcf;
        const hi = Math.floor(n / TWO_32);
        (v.setUint32(p, hi), v.setUint32(p + 4, n - hi * TWO_32), (p += 8));
      }
    } else {
      if (n >= -32) b[p++] = n + 0x100;
      else if (n >= -0x80) ((b[p++] = 0xd0), v.setInt8(p, n), (p += 1));
      else if (n >= -0x8000) ((b[p++] = 0xd1), v.setInt16(p, n), (p += 2));
      else if (n >= -0x80000000) ((b[p++] = 0xd2), v.setInt32(p, n), (p += 4));
      else {
        b[p++] = 0xd3;
        const hi = Math.floor(n / TWO_32);
        (v.setInt32(p, hi), v.setUint32(p + 4, n - hi * TWO_32), (p += 8));
      }
    }
    this.#pos = p;
    return this;
  }

  float64(x: number): this {
    this.#ensure(9);
    this.#bytes[this.#pos] = 0xcb;
    this.#view.setFloat64(this.#pos + 1, x);
    this.#pos += 9;
    return this;
  }

  /** An integer when `x` is a safe integer, else float64 (timestamps: fractional ms survive). */
  intOrFloat(x: number): this {
    return Number.isSafeInteger(x) ? this.int(x) : this.float64(x);
  }

  str(s: string): this {
    // Worst case 3 UTF-8 bytes per UTF-16 code unit, plus a 5-byte header.
    this.#ensure(s.length * 3 + 5);
    const headerAt = this.#pos;
    const headerLen = s.length < 32 ? 1 : s.length * 3 < 0x100 ? 2 : s.length * 3 < 0x10000 ? 3 : 5;
    const { written } = TEXT_ENCODER.encodeInto(s, this.#bytes.subarray(headerAt + headerLen));
    // The header width was picked from an upper bound; re-pick from the real length and shift.
    const realHeaderLen = written < 32 ? 1 : written < 0x100 ? 2 : written < 0x10000 ? 3 : 5;
    if (realHeaderLen !== headerLen) {
      this.#bytes.copyWithin(headerAt + realHeaderLen, headerAt + headerLen, headerAt + headerLen + written);
    }
    const b = this.#bytes;
    if (realHeaderLen === 1) b[headerAt] = 0xa0 | written;
    else if (realHeaderLen === 2) ((b[headerAt] = 0xd9), (b[headerAt + 1] = written));
    else if (realHeaderLen === 3) ((b[headerAt] = 0xda), this.#view.setUint16(headerAt + 1, written));
    else ((b[headerAt] = 0xdb), this.#view.setUint32(headerAt + 1, written));
    this.#pos = headerAt + realHeaderLen + written;
    return this;
  }

  arrayHeader(n: number): this {
    return this.#header(n, 0x90, 0xdc, 0xdd);
  }

  mapHeader(n: number): this {
    return this.#header(n, 0x80, 0xde, 0xdf);
  }

  /** A map of strings to strings, keys in the order given. */
  stringMap(m: Readonly<Record<string, string>>): this {
    const keys = Object.keys(m);
    this.mapHeader(keys.length);
    for (const k of keys) this.str(k).str(m[k]!);
    return this;
  }

  #header(n: number, fix: number, h16: number, h32: number): this {
    this.#ensure(5);
    if (n < 16) this.#bytes[this.#pos++] = fix | n;
    else if (n <= 0xffff) ((this.#bytes[this.#pos] = h16), this.#view.setUint16(this.#pos + 1, n), (this.#pos += 3));
    else ((this.#bytes[this.#pos] = h32), this.#view.setUint32(this.#pos + 1, n), (this.#pos += 5));
    return this;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#bytes.length) return;
    let cap = Math.max(16, this.#bytes.length * 2);
    while (cap < this.#pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#bytes.subarray(0, this.#pos));
    this.#bytes = next;
    this.#view = new DataView(next.buffer);
  }
}
