/**
 * One writer at a time (DESIGN.md: "one writer connection"). SQLite allows a single writer
 * anyway; on PostgreSQL, serialising sample batches keeps two batches from upserting the same
 * rollup rows in different orders (a deadlock) at no cost worth having on two cores.
 */
export class WriteLock {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Runs `fn` after every previously queued writer has finished. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    this.waiting++;
    const next = this.tail.then(fn, fn).finally(() => {
      this.waiting--;
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Writers queued or running. */
  get pending(): number {
    return this.waiting;
  }
}
