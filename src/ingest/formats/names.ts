/**
 * Prometheus names from the names of other systems (Telegraf measurements and fields, Vector
 * namespaces, tag keys): every character outside the Prometheus classes becomes `_`, as Telegraf's
 * and Vector's own Prometheus outputs do. OTLP has its own, stricter rules (otlp/naming.ts).
 */

/** `[a-zA-Z_:][a-zA-Z0-9_:]*`: invalid characters → `_`, a leading digit gets a `_` in front. */
export function sanitiseMetricName(name: string): string {
  let out = '';
  let runStart = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (isAlnum(c) || c === 0x5f || c === 0x3a) continue;
    out += name.slice(runStart, i) + '_';
    runStart = i + 1;
  }
  out = runStart === 0 ? name : out + name.slice(runStart);
  if (out.length === 0) return '_';
  return isDigit(out.charCodeAt(0)) ? '_' + out : out;
}

/**
 * `[a-zA-Z_][a-zA-Z0-9_]*`: invalid characters → `_`, a leading digit gets `key_` in front (as
 * Prometheus's OTLP translation does). Returns null for a name that starts with `__` (reserved by
 * Prometheus for internal labels such as `__name__`): the caller leaves such a label out.
 */
export function sanitiseLabelName(name: string): string | null {
  if (name.length === 0) return null;
  let out = '';
  let runStart = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (isAlnum(c) || c === 0x5f) continue;
    out += name.slice(runStart, i) + '_';
    runStart = i + 1;
  }
  out = runStart === 0 ? name : out + name.slice(runStart);
  if (out.charCodeAt(0) === 0x5f && out.charCodeAt(1) === 0x5f) return null;
  return isDigit(out.charCodeAt(0)) ? 'key_' + out : out;
}

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
