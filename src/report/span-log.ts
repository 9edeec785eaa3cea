/**
 * When one series' alert was pending and when it was firing, from its lifecycle state after each
 * sample: a state change is kept (time and new state), an unchanged state costs a comparison. A
 * breach that cleared before `for` let it fire (held back) shows as a pending span with no event,
 * which the alert events alone could not show. Bounded: past `maxChanges` further changes are
 * only counted.
 */

/** The lifecycle states a span can be in, as core/lifecycle.ts numbers them. */
export const SpanState = { Inactive: 0, Pending: 1, Firing: 2 } as const;
export type SpanState = (typeof SpanState)[keyof typeof SpanState];

export type SpanKind = 'pending' | 'firing';

export interface Span {
  readonly kind: SpanKind;
  /** Unix ms of the sample that entered the state. */
  readonly from: number;
  /** Unix ms of the sample that left it, or of the series' last sample when it never did. */
  readonly to: number;
}

const EMPTY_TS = new Float64Array(0);
const EMPTY_STATE = new Uint8Array(0);

export class SpanLog {
  /** Allocated at the first change: most series of a large replay never leave inactive. */
  private ts = EMPTY_TS;
  private state = EMPTY_STATE;
  private count = 0;
  private current: number = SpanState.Inactive;
  /** Changes past maxChanges, not kept. */
  dropped = 0;

  constructor(private readonly maxChanges: number) {}

  /** The state after a sample at `ts` (any value but Pending or Firing counts as inactive). */
  observe(ts: number, state: number): void {
    const s = state === SpanState.Pending || state === SpanState.Firing ? state : SpanState.Inactive;
    if (s === this.current) return;
    this.current = s;
    if (this.count === this.maxChanges) {
      this.dropped++;
      return;
    }
    if (this.count === this.ts.length) {
      const n = Math.min(this.maxChanges, Math.max(8, this.count * 2));
      const ts = new Float64Array(n);
      ts.set(this.ts);
      const st = new Uint8Array(n);
      st.set(this.state);
      this.ts = ts;
      this.state = st;
    }
    this.ts[this.count] = ts;
    this.state[this.count++] = s;
  }

  /** The spans in time order; one still open ends at `end` (the series' last sample). */
  spans(end: number): Span[] {
    const out: Span[] = [];
    for (let i = 0; i < this.count; i++) {
      const s = this.state[i];
      if (s === SpanState.Inactive) continue;
      const to = i + 1 < this.count ? this.ts[i + 1] : this.dropped > 0 ? this.ts[i] : end;
      out.push({ kind: s === SpanState.Pending ? 'pending' : 'firing', from: this.ts[i], to: Math.max(to, this.ts[i]) });
    }
    return out;
  }
}
