/**
 * Expected alerts vs the events of one step.
 *
 * An expected alert matches an event when every field it gives equals the event's (fields left
 * out are not checked; `labels` and `annotations` compare as whole maps). The step passes when
 * expected alerts and events can be paired one to one: same count, each pair matching, in any
 * order. Pairing is a maximum bipartite matching, so a loosely written expectation cannot take
 * the event a stricter one needed.
 *
 * On failure, each unpaired expected alert is shown next to the unpaired event closest to it (the
 * fewest fields differing), with those fields; events left over are unexpected.
 */
import type { AlertEvent } from '../codec/alerts.js';
import type { ExpectedAlert } from './test-file.js';

export interface FieldDifference {
  /** As written in the test file: `severity`, `labels`, `starts_at_step`. */
  readonly field: string;
  readonly expected: unknown;
  readonly got: unknown;
}

export interface MissingAlert {
  readonly expected: ExpectedAlert;
  /** The unpaired event closest to it, when there is one. */
  readonly closest?: { readonly event: AlertEvent; readonly differences: readonly FieldDifference[] };
}

export interface StepComparison {
  readonly missing: readonly MissingAlert[];
  /** Events no expected alert accounts for (and that were not shown as the closest to one). */
  readonly unexpected: readonly AlertEvent[];
}

type Getter = (e: AlertEvent, intervalMs: number) => unknown;

/** The checkable fields in the order they are compared and printed, with the test file's names. */
const FIELDS: ReadonlyArray<readonly [keyof ExpectedAlert, string, Getter]> = [
  ['status', 'status', (e) => e.status],
  ['reason', 'reason', (e) => e.reason],
  ['severity', 'severity', (e) => e.severity],
  ['rule', 'rule', (e) => e.rule],
  ['series', 'series', (e) => e.series],
  ['name', 'name', (e) => e.name],
  ['labels', 'labels', (e) => e.labels],
  ['annotations', 'annotations', (e) => e.annotations],
  ['value', 'value', (e) => e.value],
  ['startsAtStep', 'starts_at_step', (e, interval) => e.startsAt / interval],
];

/** The fields `expected` gives that `event` does not match; [] = it matches. */
export function differences(expected: ExpectedAlert, event: AlertEvent, intervalMs: number): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const [key, field, get] of FIELDS) {
    const want = expected[key];
    if (want === undefined) continue;
    const got = get(event, intervalMs);
    if (!same(want, got)) out.push({ field, expected: want, got });
  }
  return out;
}

export function compareStep(expected: readonly ExpectedAlert[], events: readonly AlertEvent[], intervalMs: number): StepComparison {
  const fits = expected.map((x) => events.map((e) => differences(x, e, intervalMs).length === 0));
  const pairedWith = maximumMatching(fits, events.length);
  const pairedEvents = new Set(pairedWith.filter((j) => j >= 0));
  const left = events.map((_, j) => j).filter((j) => !pairedEvents.has(j));

  const missing: MissingAlert[] = [];
  expected.forEach((x, i) => {
    if (pairedWith[i]! >= 0) return;
    let best = -1;
    let bestDiffs: FieldDifference[] = [];
    for (const j of left) {
      const d = differences(x, events[j]!, intervalMs);
      if (best === -1 || d.length < bestDiffs.length) {
        best = j;
        bestDiffs = d;
      }
    }
    if (best === -1) {
      missing.push({ expected: x });
      return;
    }
    left.splice(left.indexOf(best), 1);
    missing.push({ expected: x, closest: { event: events[best]!, differences: bestDiffs } });
  });
  return { missing, unexpected: left.map((j) => events[j]!) };
}

/** Kuhn's augmenting paths: for each row, the column it is paired with, or -1. Sizes are tiny. */
function maximumMatching(fits: readonly (readonly boolean[])[], columns: number): number[] {
  const rowOf = new Array<number>(columns).fill(-1);
  const augment = (row: number, visited: boolean[]): boolean => {
    for (let col = 0; col < columns; col++) {
      if (!fits[row]![col] || visited[col]) continue;
      visited[col] = true;
      if (rowOf[col] === -1 || augment(rowOf[col]!, visited)) {
        rowOf[col] = row;
        return true;
      }
    }
    return false;
  };
  for (let row = 0; row < fits.length; row++) augment(row, new Array<boolean>(columns).fill(false));
  const colOf = new Array<number>(fits.length).fill(-1);
  rowOf.forEach((row, col) => {
    if (row >= 0) colOf[row] = col;
  });
  return colOf;
}

function same(want: unknown, got: unknown): boolean {
  if (typeof want === 'number') return typeof got === 'number' && (want === got || (Number.isNaN(want) && Number.isNaN(got)));
  if (typeof want === 'object' && want !== null) {
    if (typeof got !== 'object' || got === null) return false;
    const a = want as Record<string, unknown>;
    const b = got as Record<string, unknown>;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
  }
  return want === got;
}
