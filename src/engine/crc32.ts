/**
 * CRC-32 (IEEE 802.3, the zlib / gzip / PNG polynomial 0xEDB88320, reflected), table-driven and
 * sliced by 8: node 20 has no zlib.crc32, and a checkpoint of a large partition is tens of
 * megabytes, so the byte-at-a-time loop (about 4× slower) would show in the checkpoint's time.
 *
 * `crc32(bytes)` checksums at once; `crc32Update(crc, bytes)` continues a running checksum, so a
 * large buffer can be checksummed in slices between other work (start from 0, as with zlib).
 */

/** TABLE[k × 256 + b]: the CRC of byte b followed by k zero bytes (slice k of slicing-by-8). */
const TABLE = buildTable();

function buildTable(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[b] = c >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    for (let k = 1; k < 8; k++) t[k * 256 + b] = (t[(k - 1) * 256 + b] >>> 8) ^ t[t[(k - 1) * 256 + b] & 0xff];
  }
  return t;
}

/** The CRC-32 of `bytes` after the running `crc` (0 to start): equal to crc32 of the concatenation. */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  const t = TABLE;
  let c = ~crc >>> 0;
  let i = 0;
  const n = bytes.length;
  const fast = n - (n % 8);
  for (; i < fast; i += 8) {
    const lo = (c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24))) >>> 0;
    c =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + bytes[i + 4]] ^
      t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** The CRC-32 of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  return crc32Update(0, bytes);
}
