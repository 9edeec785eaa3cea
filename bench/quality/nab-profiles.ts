/**
 * NAB's three cost profiles (config/profiles.json): how much a caught window earns (tpWeight, at
 * its first row), a missed one costs (fnWeight) and a detection outside every window costs at most
 * (fpWeight). tnWeight is in the file but NAB's scoring never uses it.
 */

/** The profiles in NAB's report order. */
export const PROFILE_NAMES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;

export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface CostMatrix {
  readonly tpWeight: number;
  readonly fnWeight: number;
  readonly fpWeight: number;
  readonly tnWeight: number;
}

export type Profiles = Readonly<Record<ProfileName, CostMatrix>>;

const WEIGHTS = ['tpWeight', 'fnWeight', 'fpWeight', 'tnWeight'] as const;

function costMatrix(raw: unknown, where: string): CostMatrix {
  if (typeof raw !== 'object' || raw === null) throw new Error(`${where}: expected an object with ${WEIGHTS.join(', ')}`);
  const record = raw as Record<string, unknown>;
  for (const key of WEIGHTS) {
    const value = record[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`${where}.${key} must be a finite number, got ${JSON.stringify(value)}`);
    }
  }
  const { tpWeight, fnWeight, fpWeight, tnWeight } = record as unknown as CostMatrix;
  return Object.freeze({ tpWeight, fnWeight, fpWeight, tnWeight });
}

/** The parsed profiles.json: `{name: {CostMatrix: {...}}}`; every profile of PROFILE_NAMES must be there. */
export function parseProfiles(json: unknown, source: string): Profiles {
  if (typeof json !== 'object' || json === null) throw new Error(`${source}: expected a JSON object of profiles`);
  const record = json as Record<string, unknown>;
  const entries = PROFILE_NAMES.map((name) => {
    const profile = record[name];
    if (typeof profile !== 'object' || profile === null) throw new Error(`${source}: no profile ${JSON.stringify(name)}`);
    return [name, costMatrix((profile as Record<string, unknown>)['CostMatrix'], `${source}: ${name}.CostMatrix`)];
  });
  return Object.freeze(Object.fromEntries(entries) as Record<ProfileName, CostMatrix>);
}
