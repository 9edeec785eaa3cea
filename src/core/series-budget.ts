/**
 * A bound on live series shared by several stores: the worker's `store.max_series`, split among
 * its partitions as they need it rather than granted to each. Memory is sized per worker (the
 * README's formula), so the bound must hold per worker, however many partitions it is given.
 *
 * The stores count themselves in and out (insert, remove, a loaded snapshot, a store dropped
 * with its partition); a restored snapshot is taken whole even past the limit (the state exists
 * already, refusing it would only blind the partition) and new series wait until the worker is
 * back under the limit.
 */
export class SeriesBudget {
  private used = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a series budget is an integer ≥ 1, got ${limit}`);
  }

  /** Live series of every store sharing this budget. */
  get inUse(): number {
    return this.used;
  }

  /** Takes one series if the budget allows it. */
  tryTake(): boolean {
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  /** Adds `n` series that exist already (a restored snapshot), even past the limit. */
  add(n: number): void {
    this.used += n;
  }

  release(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
}
