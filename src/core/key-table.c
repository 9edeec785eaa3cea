/*
 * The hot half of src/core/key-table.ts, compiled to WebAssembly (see that file): hashing a key
 * and finding its slot. JS puts the key bytes at SCRATCH and calls find(len); the table, the key
 * spans and the arena live in the same linear memory, laid out by JS through layout().
 *
 * Why WebAssembly: in JS, hashing and comparing a ~90-byte key costs ~115 ns (byte or DataView
 * loads, 32-bit multiplies); here 8-byte loads and 64-bit multiplies do it in about half the time,
 * copying the key in included. Rebuild after editing: npm run build:wasm (needs clang and lld).
 */
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t i32;

static u32 SCRATCH; /* the key being looked up */
static u32 TABLE;   /* i32 entries: tag << 24 | slot, or -1 (empty) */
static u32 MASK;    /* table length - 1 (a power of two) */
static u32 SPANS;   /* per slot: u32 arena offset (bytes), u32 key length */
static u32 ARENA;   /* key bytes, each key 8-byte aligned */

#define AT(off, T) (*(T *)(uintptr_t)(off))

static inline u64 load64(u32 p) {
  u64 v;
  __builtin_memcpy(&v, (const void *)(uintptr_t)p, 8);
  return v;
}

__attribute__((export_name("layout"))) void layout(u32 scratch, u32 table, u32 mask, u32 spans, u32 arena) {
  SCRATCH = scratch;
  TABLE = table;
  MASK = mask;
  SPANS = spans;
  ARENA = arena;
}

/*
 * 64-bit multiply-xorshift over 8-byte words in two lanes (their multiply chains overlap), then a
 * final avalanche (murmur3's fmix64).
 */
__attribute__((export_name("hash"))) u32 hash(u32 p, u32 len) {
  u64 h1 = 0x9E3779B97F4A7C15ull ^ len;
  u64 h2 = 0xC2B2AE3D27D4EB4Full;
  u32 i = 0;
  for (; i + 16 <= len; i += 16) {
    u64 k1 = load64(p + i) * 0xff51afd7ed558ccdull;
    u64 k2 = load64(p + i + 8) * 0xc4ceb9fe1a85ec53ull;
    k1 ^= k1 >> 32;
    k2 ^= k2 >> 29;
    h1 = (h1 ^ k1) * 0xc4ceb9fe1a85ec53ull;
    h2 = (h2 ^ k2) * 0xff51afd7ed558ccdull;
  }
  if (i + 8 <= len) {
    u64 k = load64(p + i) * 0xff51afd7ed558ccdull;
    k ^= k >> 32;
    h1 = (h1 ^ k) * 0xc4ceb9fe1a85ec53ull;
    i += 8;
  }
  u64 tail = 0;
  for (u32 j = len; j > i; j--) tail = (tail << 8) | AT(p + j - 1, u8);
  u64 h = (h1 ^ (h2 * 0x9E3779B97F4A7C15ull) ^ (tail * 0xff51afd7ed558ccdull)) * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return (u32)h;
}

static inline int same(u32 a, u32 b, u32 len) {
  u32 i = 0;
  for (; i + 8 <= len; i += 8)
    if (load64(a + i) != load64(b + i)) return 0;
  for (; i < len; i++)
    if (AT(a + i, u8) != AT(b + i, u8)) return 0;
  return 1;
}

/* The slot of the len bytes at SCRATCH, or -1. */
__attribute__((export_name("find"))) i32 find(u32 len) {
  u32 h = hash(SCRATCH, len);
  u32 tag = h >> 24;
  u32 i = h & MASK;
  for (;;) {
    i32 e = AT(TABLE + 4 * i, i32);
    if (e == -1) return -1;
    if (((u32)e >> 24) == tag) {
      u32 slot = (u32)e & 0xffffff;
      if (AT(SPANS + 8 * slot + 4, u32) == len && same(ARENA + AT(SPANS + 8 * slot, u32), SCRATCH, len)) return (i32)slot;
    }
    i = (i + 1) & MASK;
  }
}
