/**
 * The layers of a configuration and where each value came from. Layers are applied in order
 * (default.yaml, the user's file, env vars, `--set` flags) onto one plain object; `Provenance`
 * remembers, for every key a layer set, which layer set it, so that an error can name the file
 * with line and column, the env var or the flag.
 *
 * Merge semantics: maps merge key by key; anything else (lists included: a user's `rules`
 * replaces the default list) replaces. In files, a key with no value (`kafka:` or `port: ~`)
 * is the same as a key not written.
 */

import { readFileSync } from 'node:fs';
import { isMap, isSeq, isScalar, LineCounter, parse as parseYaml, parseDocument, type Document } from 'yaml';
import { formatPath, type ConfigIssue, type PathSegment } from './errors.js';

export type Origin =
  | { readonly kind: 'file'; readonly file: string; readonly doc: Document; readonly lines: LineCounter }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'flag'; readonly key: string };

export type Tree = Record<string, unknown>;

export const isPlainObject = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

const SEP = '\u0000';
const keyOf = (path: readonly PathSegment[]): string => path.map(String).join(SEP);

/** Which layer set which key. Lookups take the longest recorded prefix of a path. */
export class Provenance {
  readonly #byPath = new Map<string, Origin>();

  set(path: readonly PathSegment[], origin: Origin): void {
    const key = keyOf(path);
    // A value replaced as a whole forgets where its former parts came from.
    for (const k of this.#byPath.keys()) if (k.startsWith(key + SEP)) this.#byPath.delete(k);
    this.#byPath.set(key, origin);
  }

  find(path: readonly PathSegment[]): Origin | undefined {
    for (let n = path.length; n >= 0; n--) {
      const origin = this.#byPath.get(keyOf(path.slice(0, n)));
      if (origin !== undefined) return origin;
    }
    return undefined;
  }
}

/** Deep-merges `layer` into `target` (in place), recording the origin of every key it sets. */
export function mergeInto(target: Tree, layer: Tree, origin: Origin, prov: Provenance, base: PathSegment[] = []): void {
  for (const [key, value] of Object.entries(layer)) {
    const path = [...base, key];
    const current = target[key];
    if (isPlainObject(value) && isPlainObject(current)) mergeInto(current, value, origin, prov, path);
    else {
      target[key] = structuredClone(value);
      prov.set(path, origin);
    }
  }
}

/** `kafka:` with nothing under it means "not set" in a file, not "set to null". */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isPlainObject(v)) return v;
  const out: Tree = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
  return out;
}

/**
 * Reads and parses one YAML file. Returns its tree and origin, or `undefined` after pushing
 * issues (unreadable file, syntax errors with line and column, a top level that is not a map).
 */
export function readYamlFile(file: string, issues: ConfigIssue[]): { tree: Tree; origin: Origin } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : e.message;
    issues.push({ source: file, path: [], message: `cannot read the config file: ${why}` });
    return undefined;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const { line, col } = lines.linePos(e.pos[0]);
      issues.push({ source: `${file}:${line}:${col}`, path: [], message: `YAML syntax error: ${e.message}` });
    }
    return undefined;
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    issues.push({ source: file, path: [], message: `cannot read the YAML: ${(err as Error).message}` });
    return undefined;
  }
  if (data === null || data === undefined) data = {}; // an empty file changes nothing
  if (!isPlainObject(data)) {
    issues.push({
      source: file,
      path: [],
      message: `the file must hold a map of sections (kafka:, rules:, …), got a ${Array.isArray(data) ? 'list' : typeof data}`,
    });
    return undefined;
  }
  return { tree: dropNulls(data) as Tree, origin: { kind: 'file', file, doc, lines } };
}

/**
 * `rules[0].labels.team` or `rules.0.labels.team` → ['rules', 0, 'labels', 'team'];
 * `undefined` when malformed.
 */
export function parseKeyPath(text: string): PathSegment[] | undefined {
  const out: PathSegment[] = [];
  for (const part of text.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) return undefined;
    const [, name, indexes] = m;
    if (name === '' && indexes === '') return undefined;
    if (name !== '') out.push(/^\d+$/.test(name!) ? Number(name) : name!);
    for (const idx of indexes!.match(/\d+/g) ?? []) out.push(Number(idx));
  }
  return out;
}

/**
 * Sets `path` in `root` to `value` (a map value merges into a map already there). Returns
 * a problem when the path cannot be set: an index beyond the end of a list, a name into a list.
 */
export function setIn(root: Tree, path: readonly PathSegment[], value: unknown, origin: Origin, prov: Provenance): string | undefined {
  let node: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    const here = formatPath(path.slice(0, i));
    let container: Tree | unknown[];
    if (Array.isArray(node)) {
      if (typeof seg !== 'number') return `${here} is a list; address its entries by index, like ${here}[0]`;
      if (seg > node.length) {
        return `${here} has ${node.length} ${node.length === 1 ? 'entry' : 'entries'}; index ${seg} is past the end (${node.length} appends one)`;
      }
      container = node;
    } else container = node as Tree;
    const slot = seg as keyof typeof container;
    if (last) {
      const current = container[slot];
      if (isPlainObject(value) && isPlainObject(current)) mergeInto(current, value, origin, prov, [...path]);
      else {
        (container as Record<PathSegment, unknown>)[seg] = structuredClone(value);
        prov.set(path, origin);
      }
      return undefined;
    }
    let next = container[slot];
    if (!isPlainObject(next) && !Array.isArray(next)) {
      // Replaces a scalar, if any: the schema then reports the map where a scalar belongs.
      next = typeof path[i + 1] === 'number' ? [] : {};
      (container as Record<PathSegment, unknown>)[seg] = next;
      prov.set(path.slice(0, i + 1), origin);
    }
    node = next;
  }
  return undefined;
}

/** A value from an env var or a flag, read as YAML (`9000` → number, `true` → boolean, `"9000"` → string). */
export function parseScalar(text: string): { value: unknown } | { problem: string } {
  try {
    return { value: parseYaml(text) };
  } catch (err) {
    const why = (err as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return { problem: `cannot read ${JSON.stringify(text)} as a YAML value: ${why}` };
  }
}

/** `file:line:col` of `path` in a file (the key itself when `atKey`), else of its nearest ancestor. */
function locate(origin: Extract<Origin, { kind: 'file' }>, path: readonly PathSegment[], atKey: boolean): string {
  let node: unknown = origin.doc.contents;
  let offset = rangeStart(node);
  for (let i = 0; i < path.length && node; i++) {
    const seg = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (pair === undefined) break;
      const keyStart = rangeStart(pair.key);
      if (atKey && i === path.length - 1) {
        offset = keyStart ?? offset;
        break;
      }
      node = pair.value;
      offset = rangeStart(node) ?? keyStart ?? offset;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      offset = rangeStart(node) ?? offset;
    } else break;
  }
  if (offset === undefined) return origin.file;
  const { line, col } = origin.lines.linePos(offset);
  return `${origin.file}:${line}:${col}`;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range?.[0];
}

/** How an issue names its source: `file:line:col`, `env NAME`, `--set key`. */
export function describeOrigin(origin: Origin | undefined, path: readonly PathSegment[], atKey = false): string {
  if (origin === undefined) return 'config';
  switch (origin.kind) {
    case 'file':
      return locate(origin, path, atKey);
    case 'env':
      return `env ${origin.name}`;
    case 'flag':
      return `--set ${origin.key}`;
  }
}
