/** Option checks whose messages name the option, the value and its type (p-queue style). */

export function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function describeValue(v: unknown): string {
  return `${typeof v === 'string' ? JSON.stringify(v) : String(v)} (${typeof v})`;
}

export function expectInteger(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `from ${min} and up` : `from ${min} to ${max}`;
    throw new RangeError(`Expected \`${name}\` to be an integer ${range}, got ${describeValue(v)}`);
  }
  return v;
}

export function expectNumber(name: string, v: unknown, min: number, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new RangeError(`Expected \`${name}\` to be a finite number ${range}, got ${describeValue(v)}`);
  }
  return v;
}
