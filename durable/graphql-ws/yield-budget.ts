/**
 * When the EventHub lets the event loop run. A Durable Object runs one thing at a time: a long
 * stretch of sends or of executions that never wait on I/O (a document that reads nothing from D1,
 * or a burst of them) keeps every socket's ping, subscribe or complete waiting until it is over.
 * So every such unit of work takes from one budget shared by all of the hub's work (the publishes'
 * sends, their executions, the catch-ups), and once it is spent, whoever wants more first awaits
 * the one pause (a timer turn) everyone shares; the pause refills it.
 *
 * Counted, not timed: inside workerd the clock only moves on I/O, so "12 ms of sending" cannot be
 * measured from within the stretch itself.
 */
export class YieldBudget {
  private left: number;
  private pausing: Promise<void> | null = null;

  /** `chunk`: units between two pauses; `pause`: lets the event loop run (a zero timer in the hub). */
  constructor(
    readonly chunk: number,
    private readonly pause: () => Promise<void>,
  ) {
    if (!Number.isSafeInteger(chunk) || chunk < 1) throw new RangeError(`YieldBudget: chunk must be a positive integer, got ${chunk}`);
    this.left = chunk;
  }

  /** Units left before the next pause. */
  get remaining(): number {
    return this.left;
  }

  /**
   * Null while there is budget left (go on at once, without even a microtask); else the shared
   * pause to await before taking more. Callers loop: `let wait; while ((wait = b.wait())) await wait;`
   */
  wait(): Promise<void> | null {
    if (this.left > 0) return null;
    return (this.pausing ??= this.pause().then(() => {
      this.left = this.chunk;
      this.pausing = null;
    }));
  }

  /** Takes `units` of work (it may overdraw: the next `wait` pauses). */
  spend(units = 1): void {
    this.left -= units;
  }
}
