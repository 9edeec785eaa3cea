import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalyLikelihood, normalQuantile, type LikelihoodParams } from '../../src/core/likelihood.js';
import { mulberry32, gaussian } from '../support/random.js';

test('normalQuantile: the upper-tail normal quantile to 1e-8', () => {
  const known: [number, number][] = [
    [0.5, 0],
    [0.05, 1.6448536269514722],
    [0.025, 1.959963984540054],
    [1e-3, 3.090232306167813],
    [1e-6, 4.753424308822899],
    [0.9, -1.2815515655446004],
  ];
  for (const [p, u] of known) assert.ok(Math.abs(normalQuantile(p) - u) < 1e-8, `p ${p}: ${normalQuantile(p)} vs ${u}`);
  assert.throws(() => normalQuantile(0), /tail probability/);
  assert.throws(() => normalQuantile(1), /tail probability/);
});

const PARAMS: LikelihoodParams = { shortAlpha: 2 / 21, memory: 5000, threshold: normalQuantile(1e-6), minSamples: 300 };

/** |z| of noise: what a quiet series' scores look like. */
function quietScores(n: number, seed: number): number[] {
  const g = gaussian(mulberry32(seed));
  return Array.from({ length: n }, () => Math.abs(g()));
}

test('a run of moderately high scores is unlikely; quiet noise, one sample below the z threshold and the warm-up are not', () => {
  const l = new AnomalyLikelihood(1);
  l.reset(0);
  const quiet = quietScores(3000, 31);
  const fired = quiet.map((s) => l.step(0, s, PARAMS));
  assert.equal(fired.filter(Boolean).length, 0, 'quiet noise never fires');
  assert.equal(l.step(0, 4.5, PARAMS), false, 'one sample of |z| 4.5 moves a 20-sample average, but not into the 1e-6 tail');
  for (let i = 0; i < 40; i++) l.step(0, Math.abs(gaussian(mulberry32(32 + i))()), PARAMS);
  // A shift of 3σ: every |z| near 3, none near a z threshold of 6.
  let at = -1;
  for (let i = 0; i < 60 && at < 0; i++) if (l.step(0, 3 + 0.3 * Math.sin(i), PARAMS)) at = i;
  assert.ok(at >= 0 && at < 30, `the run is unlikely within ~a short window (at sample ${at})`);
  const early = new AnomalyLikelihood(1);
  early.reset(0);
  for (let i = 0; i < PARAMS.minSamples; i++) assert.equal(early.step(0, i < 100 ? 0.5 : 3, PARAMS), false, 'nothing before min_samples');
});
