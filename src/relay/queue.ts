/**
 * A FIFO of bounded length that drops its oldest items to make room: while an Alertmanager is
 * unreachable, every resend interval queues the whole state again, and the newest copy of an
 * alert is the one worth sending. Callers count what was dropped.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  /** Index of the first live item; the array is compacted lazily, so a drop or a take is O(1). */
  private head = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends `items`; returns how many of the oldest were dropped to stay within capacity. */
  push(items: readonly T[]): number {
    for (const item of items) this.items.push(item);
    return this.trim();
  }

  /** Puts `items` back at the front (a batch to retry first); returns how many were dropped. */
  unshift(items: readonly T[]): number {
    this.items = [...items, ...this.items.slice(this.head)];
    this.head = 0;
    return this.trim();
  }

  /** Removes and returns up to `n` of the oldest items. */
  take(n: number): T[] {
    const out = this.items.slice(this.head, this.head + n);
    this.head += out.length;
    this.compact();
    return out;
  }

  private trim(): number {
    const over = Math.max(0, this.length - this.capacity);
    this.head += over;
    this.compact();
    return over;
  }

  /** Releases the consumed prefix once it is most of the array. */
  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
