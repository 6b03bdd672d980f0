/**
 * A FIFO limit on tasks in flight. The EventHub keeps one per instance for every publish's
 * executions: each reads D1 (a query per drizzle field), and D1 runs one database's queries one
 * after another, so more in flight would only queue there. Publishes overlap (they answer once
 * planned), so a limit per publish would still let a burst start executions × publishes at once.
 *
 * First come, first served: a slot that frees goes to the longest waiting task, never to a newer
 * caller, so an earlier publish's executions (whose delivery every later one waits for) are not
 * starved by the later ones.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`Limiter: limit must be a positive integer, got ${limit}`);
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `task` once a slot is free; settles as it does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next in line (the count stays), or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
