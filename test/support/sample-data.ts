/**
 * The bundled sample (config/examples/data/checkout_latency_ms.csv): three days of a latency metric
 * at one sample a minute with a daily cycle, Gaussian noise, injected spikes and dips at known
 * minutes, and a jittery stretch that tempts a rule to flap. Seeded: the same bytes every time.
 *
 *   node dist/test/support/sample-data.js > config/examples/data/checkout_latency_ms.csv
 */
import { pathToFileURL } from 'node:url';
import { mulberry32, gaussian } from './random.js';

export const SAMPLE_START_MS = Date.UTC(2026, 10, 1);
export const SAMPLE_MINUTES = 3 * 24 * 60;
/** Minute → offset in noise standard deviations. Positive spikes and negative dips. */
export const INJECTED: ReadonlyMap<number, number> = new Map([
  [700, 9],
  [1500, -8],
  [2222, 12],
  [3100, -10],
  [3900, 8],
]);
/** Minutes of a jittery stretch (bursts near the threshold): what for/keep_firing_for smooth out. */
export const JITTER_FROM = 2600;
export const JITTER_TO = 2720;
export const NOISE_STD = 4;

export function* sampleRows(): Generator<[number, number]> {
  const g = gaussian(mulberry32(2026));
  const u = mulberry32(11);
  for (let m = 0; m < SAMPLE_MINUTES; m++) {
    const daily = 20 * Math.sin((2 * Math.PI * m) / (24 * 60));
    let v = 120 + daily + NOISE_STD * g();
    const spike = INJECTED.get(m);
    if (spike !== undefined) v = 120 + daily + spike * NOISE_STD;
    if (m >= JITTER_FROM && m < JITTER_TO && u() < 0.25) v += 4.2 * NOISE_STD * (u() < 0.5 ? 1 : 1.3);
    yield [SAMPLE_START_MS + m * 60_000, Math.round(v * 1000) / 1000];
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const lines = ['timestamp,value'];
  for (const [ts, v] of sampleRows()) lines.push(`${new Date(ts).toISOString().replace('T', ' ').slice(0, 19)},${v}`);
  process.stdout.write(lines.join('\n') + '\n');
}
