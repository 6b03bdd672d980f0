import { describe, expect, it } from 'vitest';
import {
  cursorAfterBatch,
  DISPATCH_BATCH_SIZE,
  mapWithConcurrency,
  nextAlarmAt,
  onAlarm,
  toSend,
  type RunPlanState,
} from '../../durable/run-plan';

const T = 1_000_000;
const open: RunPlanState = { dispatched: 0, total: 60, timeoutAt: T + 30 * 60_000, finished: false };
const target = (i: number) => ({ workerCheckUuid: `w${i}` });

describe('the crash-safe dispatch plan', () => {
  it('offers the same batch again until its sends have settled, with the alarm armed at once', () => {
    const batch = onAlarm(open, T);
    expect(batch).toEqual({ kind: 'dispatch', from: 0, to: DISPATCH_BATCH_SIZE });
    // Nothing moved the cursor (the object died mid-batch): the next alarm takes the batch up.
    expect(onAlarm(open, T + 5)).toEqual(batch);
    expect(nextAlarmAt(open, T)).toBe(T);
    // Settled: on to the next batch.
    const settled = { ...open, dispatched: cursorAfterBatch(open, { from: 0, to: DISPATCH_BATCH_SIZE }) };
    expect(onAlarm(settled, T)).toEqual({ kind: 'dispatch', from: DISPATCH_BATCH_SIZE, to: 2 * DISPATCH_BATCH_SIZE });
  });

  it('moves the cursor to the end of the settled batch, never back and never past the end', () => {
    expect(cursorAfterBatch(open, { from: 0, to: 25 })).toBe(25);
    expect(cursorAfterBatch({ ...open, dispatched: 50 }, { from: 25, to: 50 })).toBe(50);
    expect(cursorAfterBatch({ ...open, dispatched: 50 }, { from: 0, to: 25 })).toBe(50);
    expect(cursorAfterBatch(open, { from: 50, to: 75 })).toBe(60);
  });

  it('sends only the workers of the batch still pending, in order', () => {
    const batch = [0, 1, 2, 3, 4].map(target);
    expect(toSend(batch, new Set(['w3', 'w1', 'w9']))).toEqual([target(1), target(3)]);
    expect(toSend(batch, new Set())).toEqual([]);
  });

  it('reports a failed send only once every other send of the batch has settled', async () => {
    const settled: number[] = [];
    const run = mapWithConcurrency([0, 1, 2, 3, 4, 5, 6, 7], 3, async (i) => {
      await new Promise((resolve) => setTimeout(resolve, i === 0 ? 1 : 10));
      if (i === 0) throw new Error('boom');
      settled.push(i);
      return i;
    });
    await expect(run).rejects.toThrow('boom');
    // The failing lane stopped; the other lanes took its remaining items, all settled by now.
    expect(settled.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  /**
   * A model of the alarm loop over the plan: storage holds the plan state, D1 each worker's
   * status; the object is killed at every step of every batch in turn (its storage keeps what it
   * last saved) and woken again by its alarm. Whichever step it dies at, every worker is sent at
   * least once, and a worker already answered is never sent again.
   */
  it('dispatches every worker at least once, whichever step of a batch the object dies at', () => {
    const total = 60;
    const targets = Array.from({ length: total }, (_, i) => target(i));
    const KILLED = new Error('killed');
    const steps = (killAt: number) => {
      let stored: RunPlanState = { ...open, total };
      const status = new Map(targets.map((t) => [t.workerCheckUuid, 'pending']));
      const sends = new Map<string, number>();
      let step = 0;
      const tick = () => {
        if (step++ === killAt) throw KILLED;
      };
      for (let alarm = 0; alarm < 20; alarm++) {
        const wakeup = onAlarm(stored, T);
        if (wakeup.kind !== 'dispatch') return { sends, status, wakeup: wakeup.kind, steps: step };
        try {
          tick(); // bookkept
          const batch = targets.slice(wakeup.from, wakeup.to);
          const pending = new Set(batch.filter((t) => status.get(t.workerCheckUuid) === 'pending').map((t) => t.workerCheckUuid));
          for (const t of toSend(batch, pending)) {
            tick(); // sending
            sends.set(t.workerCheckUuid, (sends.get(t.workerCheckUuid) ?? 0) + 1);
            tick(); // answered
            status.set(t.workerCheckUuid, 'running');
            tick(); // recorded
          }
          tick(); // settled
          stored = { ...stored, dispatched: cursorAfterBatch(stored, wakeup) };
          tick(); // advanced
        } catch (error) {
          if (error !== KILLED) throw error;
        }
      }
      throw new Error('the alarm loop did not end');
    };
    const { steps: stepsWithoutFault } = steps(-1);
    for (let killAt = 0; killAt < stepsWithoutFault; killAt++) {
      const { sends, status, wakeup } = steps(killAt);
      expect(wakeup).toBe('check-complete');
      expect([...status.values()].every((s) => s === 'running'), `killed at step ${killAt}`).toBe(true);
      const counts = targets.map((t) => sends.get(t.workerCheckUuid) ?? 0);
      expect(Math.min(...counts), `killed at step ${killAt}`).toBe(1);
      // At most the one worker answered but not recorded is sent twice.
      expect(counts.reduce((a, b) => a + b, 0) - total, `killed at step ${killAt}`).toBeLessThanOrEqual(1);
    }
  });
});
