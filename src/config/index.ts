/** Configuration: load YAML + env + flags, validate against one schema, return one frozen object. */

export { loadConfig, defaultConfigPath, type LoadConfigOptions } from './load.js';
export { ConfigError, type ConfigIssue } from './errors.js';
export { parseDuration, formatDuration } from './duration.js';
export { RULE_DEFAULTS, defaultShortWindow, defaultMinSamples } from './rule-schema.js';
export type * from './types.js';
