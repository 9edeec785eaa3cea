/**
 * The input of the core benchmark, made once and before anything is timed: series keys as
 * `Buffer` slices of larger pooled buffers (as kafkajs hands a record's key over: a view with a
 * non-zero byteOffset into the fetch response), and a seeded stream of Gaussian noise with rare
 * spikes in a Float64Array.
 */
import { mulberry32, gaussian } from '../../test/support/random.js';

const NAMES = [
  'http_request_duration_seconds',
  'http_requests_in_flight',
  'process_resident_memory_bytes',
  'kafka_consumer_lag',
  'db_query_duration_seconds',
];
const SERVICES = ['checkout', 'cart', 'search', 'payments', 'catalog', 'auth', 'shipping', 'profile', 'ads', 'gateway'];
const REGIONS = ['eu-west-1', 'us-east-1', 'us-west-2', 'ap-southeast-1'];

/** Bytes of one pooled buffer, and of the filler between two keys (a record's other fields). */
const POOL_BYTES = 64 * 1024;
const FILLER_BYTES = 24;

/**
 * The canonical id of series `i` (labels sorted by name), e.g.
 * `http_request_duration_seconds{host="web-00123",region="eu-west-1",service="checkout"}`.
 * i ↦ (name, service, region, host) is one-to-one, so every id is distinct.
 */
export function seriesId(i: number): string {
  const name = NAMES[i % NAMES.length];
  const service = SERVICES[Math.floor(i / NAMES.length) % SERVICES.length];
  const region = REGIONS[Math.floor(i / (NAMES.length * SERVICES.length)) % REGIONS.length];
  const host = String(Math.floor(i / (NAMES.length * SERVICES.length * REGIONS.length))).padStart(5, '0');
  return `${name}{host="web-${host}",region="${region}",service="${service}"}`;
}

export interface Keys {
  /** keys[s]: the id of the s-th series of the round-robin, a Buffer view into a pool. */
  readonly keys: Buffer[];
  /** Σ key lengths. */
  readonly keyBytes: number;
}

/** `series` keys in stream order (a seeded shuffle of the ids), packed into 64 KiB pools. */
export function makeKeys(series: number, seed: number): Keys {
  const rand = mulberry32(seed);
  const order = Array.from({ length: series }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const keys: Buffer[] = [];
  let keyBytes = 0;
  let pool = Buffer.alloc(POOL_BYTES);
  let at = FILLER_BYTES;
  for (const i of order) {
    const id = Buffer.from(seriesId(i), 'utf8');
    if (at + id.length + FILLER_BYTES > pool.length) {
      pool = Buffer.alloc(POOL_BYTES);
      at = FILLER_BYTES;
    }
    // Filler before each key, so no key starts at a pool boundary.
    for (let k = at - FILLER_BYTES; k < at; k++) pool[k] = Math.floor(rand() * 256);
    id.copy(pool, at);
    keys.push(pool.subarray(at, at + id.length));
    at += id.length + FILLER_BYTES;
    keyBytes += id.length;
  }
  return { keys, keyBytes };
}

export interface ValueStream {
  /** Sample k of the stream is values[k & mask]. */
  readonly values: Float64Array;
  readonly mask: number;
  readonly spikes: number;
}

/**
 * 2^log2Length samples of N(100, 5²) noise with rare spikes (probability `spikeRate`, ±8–12 σ).
 * The length is a power of two and no series count divides it, so a series sees new values on
 * every pass of the round-robin.
 */
export function makeValues(log2Length: number, seed: number, spikeRate = 1e-4): ValueStream {
  const n = 2 ** log2Length;
  const rand = mulberry32(seed);
  const normal = gaussian(rand);
  const values = new Float64Array(n);
  let spikes = 0;
  for (let k = 0; k < n; k++) {
    let x = 100 + 5 * normal();
    if (rand() < spikeRate) {
      x += (rand() < 0.5 ? -1 : 1) * (8 + 4 * rand()) * 5;
      spikes++;
    }
    values[k] = x;
  }
  return { values, mask: n - 1, spikes };
}
