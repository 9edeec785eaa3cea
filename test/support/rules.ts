import type { Rule } from '../../src/core/rule.js';

/** A rule with the documented defaults, for tests; override what the test is about. */
export function makeRule(overrides: Partial<Rule> = {}): Rule {
  return {
    name: 'default',
    matchers: [],
    window: 120,
    shortWindow: 30,
    minSamples: 10,
    memory: 0,
    likelihood: null,
    seasonality: null,
    direction: 'both',
    tiers: [{ severity: 'warning', z: 3.5 }],
    stdFloor: { absolute: 1e-9, relative: 1e-9 },
    multiWindow: false,
    baseline: 'include',
    for: { samples: 0 },
    keepFiringFor: { samples: 0 },
    repeatMs: 0,
    rearm: 0,
    labels: {},
    annotations: {},
    ...overrides,
  };
}
