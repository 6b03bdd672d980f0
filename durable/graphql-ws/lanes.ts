/**
 * Per-subscription order for deliveries that become ready out of order.
 *
 * A publish's executions run concurrently and each one's `next`s go out as soon as it is done, so a
 * fast document's subscribers never wait for a slow one. What must still hold is each
 * subscription's order: an operation never gets event k+1 before event k, however its two
 * executions raced. So every planned delivery reserves a place in its operation's lane when it is
 * planned (publishes are planned synchronously, in arrival order, so a lane is in event order), and
 * a delivery whose execution is done is released only once every place before it in its lane is
 * released too. Lanes are independent: a slow execution holds back only the operations it serves.
 *
 * Pure bookkeeping; the hub (event-hub.ts) sends what `ready` releases, in the order given.
 */

/** One reserved place in a lane: the delivery it holds, and whether its execution is done. */
export interface LaneSlot<T> {
  readonly value: T;
  /** The execution's result, once done. */
  payload: string | null;
  /** @internal */ lane: Lane<T>;
}

interface Lane<T> {
  readonly socket: unknown;
  readonly operationId: string;
  readonly queue: LaneSlot<T>[];
  /** Set once its socket is gone: nothing in it is released any more. */
  dropped: boolean;
}

export class Lanes<S, T> {
  private readonly bySocket = new Map<S, Map<string, Lane<T>>>();

  /** Reserves the next place of `socket`'s operation `operationId`. */
  reserve(socket: S, operationId: string, value: T): LaneSlot<T> {
    let byOperation = this.bySocket.get(socket);
    if (!byOperation) this.bySocket.set(socket, (byOperation = new Map()));
    let lane = byOperation.get(operationId);
    if (!lane) byOperation.set(operationId, (lane = { socket, operationId, queue: [], dropped: false }));
    const slot: LaneSlot<T> = { value, payload: null, lane };
    lane.queue.push(slot);
    return slot;
  }

  /**
   * Marks a slot's execution done with `payload`. Returns what may go out now, in order: nothing
   * while an earlier place of its lane waits; else this slot and every ready one queued behind it.
   * Released slots leave their lane (an empty lane is forgotten).
   */
  ready(slot: LaneSlot<T>, payload: string): LaneSlot<T>[] {
    slot.payload = payload;
    const { lane } = slot;
    if (lane.dropped || lane.queue[0] !== slot) return [];
    let count = 0;
    while (count < lane.queue.length && lane.queue[count]!.payload !== null) count++;
    const released = lane.queue.splice(0, count);
    if (lane.queue.length === 0) this.forget(lane);
    return released;
  }

  /** A socket closed: its lanes are forgotten and nothing reserved in them is released. */
  drop(socket: S): void {
    const byOperation = this.bySocket.get(socket);
    if (!byOperation) return;
    for (const lane of byOperation.values()) {
      lane.dropped = true;
      lane.queue.length = 0;
    }
    this.bySocket.delete(socket);
  }

  /** Places reserved and not yet released, over every lane. */
  get pending(): number {
    let total = 0;
    for (const byOperation of this.bySocket.values()) for (const lane of byOperation.values()) total += lane.queue.length;
    return total;
  }

  private forget(lane: Lane<T>): void {
    const byOperation = this.bySocket.get(lane.socket as S);
    if (byOperation?.get(lane.operationId) !== lane) return;
    byOperation.delete(lane.operationId);
    if (byOperation.size === 0) this.bySocket.delete(lane.socket as S);
  }
}
