/**
 * Compressed record batches. kafkajs decodes only gzip by itself and throws on Snappy, LZ4 and
 * ZSTD, which telemetry pipelines (Vector, the OTel Collector, Telegraf, librdkafka producers)
 * commonly enable. `registerCompressionCodecs()` puts a codec for each into kafkajs's
 * process-wide `CompressionCodecs` table, once; `kafkaClient()` calls it, so every consumer
 * sigmawatch makes reads all four.
 *
 * Libraries (each installs from the npm registry alone: no download at install time):
 * - Snappy: `snappy` (napi-rs; the binary ships in a per-platform registry package);
 * - LZ4: `lz4-napi` (lz4_flex's LZ4 *frame* format, the one Kafka uses; same packaging);
 * - ZSTD: `fzstd` (pure JS decoder; it reads frames without a content size, which Java's
 *   zstd-jni stream writes). It does not compress, so producing with zstd is refused.
 */
// kafkajs is CommonJS and its codec table is not among the names Node detects for ESM import.
import kafkajs from 'kafkajs';
import { compressFrame, decompressFrame } from 'lz4-napi';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy';
import { decompress as zstdDecompress } from 'fzstd';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/** kafkajs's codec shape: `compress` gets its encoder (the bytes are `encoder.buffer`). */
interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/**
 * snappy-java's stream framing, which the Java client writes: an 8-byte magic, two int32
 * versions, then blocks of int32 big-endian length + raw snappy. librdkafka and kafkajs-style
 * producers write one raw snappy block instead; both are read.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

export function isXerialFramed(buffer: Buffer): boolean {
  return buffer.length >= XERIAL_HEADER_BYTES && buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

async function snappyDecompress(buffer: Buffer): Promise<Buffer> {
  if (!isXerialFramed(buffer)) return (await snappyUncompress(buffer)) as Buffer;
  const parts: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < buffer.length) {
    if (at + 4 > buffer.length) throw new Error(`snappy: truncated xerial block header at byte ${at} of ${buffer.length}`);
    const size = buffer.readInt32BE(at);
    at += 4;
    if (size < 0 || at + size > buffer.length)
      throw new Error(`snappy: xerial block of ${size} bytes at byte ${at} overruns the ${buffer.length}-byte batch`);
    parts.push((await snappyUncompress(buffer.subarray(at, at + size))) as Buffer);
    at += size;
  }
  return Buffer.concat(parts);
}

const snappy: Codec = {
  // One raw block, as librdkafka writes; the Java consumer reads it too (snappy-java falls back
  // to raw when the magic is absent).
  compress: async (encoder) => snappyCompress(encoder.buffer),
  decompress: snappyDecompress,
};

const lz4: Codec = {
  compress: async (encoder) => compressFrame(encoder.buffer),
  decompress: async (buffer) => decompressFrame(buffer),
};

const zstd: Codec = {
  compress: async () => {
    throw new Error('zstd: sigmawatch decodes zstd batches but does not produce them; use gzip, snappy or lz4');
  },
  decompress: async (buffer) => {
    const out = zstdDecompress(buffer);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  },
};

let registered = false;

/** Snappy, LZ4 and ZSTD into kafkajs's codec table (gzip is built in). Idempotent. */
export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  const codecs = CompressionCodecs as Record<number, () => Codec>;
  codecs[CompressionTypes.Snappy] = () => snappy;
  codecs[CompressionTypes.LZ4] = () => lz4;
  codecs[CompressionTypes.ZSTD] = () => zstd;
}
