/**
 * Line output to stdout that respects backpressure (a slow pipe slows us down instead of
 * buffering without bound) and ends quietly when the reader goes away (`| head`).
 */
export class LineWriter {
  private buffer = '';
  private closed = false;

  constructor(private readonly stream: NodeJS.WritableStream = process.stdout) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') this.closed = true;
      else throw e;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues one line; call flush() now and then (it awaits the pipe when it is full). */
  line(text: string): void {
    if (!this.closed) this.buffer += text + '\n';
  }

  async flush(): Promise<void> {
    if (this.buffer === '' || this.closed) return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
      });
    }
  }
}

/** A progress line on a terminal (stderr), redrawn at most every 250 ms; silent when not a TTY. */
export class Progress {
  private last = 0;
  private shown = false;
  readonly enabled: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly now: () => number = Date.now,
  ) {
    this.enabled = stream.isTTY === true;
  }

  update(text: () => string): void {
    if (!this.enabled) return;
    const t = this.now();
    if (t - this.last < 250) return;
    this.last = t;
    this.stream.write(`\r\x1b[K${text()}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
