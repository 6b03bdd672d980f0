import { describe, expect, it } from 'vitest';
import { Limiter } from '../../durable/graphql-ws/concurrency';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Limiter', () => {
  it('keeps at most `limit` tasks in flight across callers, each getting its own result', async () => {
    const limiter = new Limiter(2);
    let inFlight = 0;
    let most = 0;
    const task = (ms: number, label: string) => async () => {
      most = Math.max(most, ++inFlight);
      await sleep(ms);
      inFlight--;
      return label;
    };
    // Two "publishes" overlapping: their tasks share the two slots.
    const first = Promise.all([30, 5, 20].map((ms, i) => limiter.run(task(ms, `a${i}`))));
    const second = Promise.all([1, 10, 2].map((ms, i) => limiter.run(task(ms, `b${i}`))));
    expect(limiter.active).toBe(2);
    expect(limiter.queued).toBe(4);
    expect(await Promise.all([first, second])).toEqual([
      ['a0', 'a1', 'a2'],
      ['b0', 'b1', 'b2'],
    ]);
    expect(most).toBe(2);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('starts waiting tasks first come, first served', async () => {
    const limiter = new Limiter(1);
    const started: number[] = [];
    let release!: () => void;
    const blocker = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    const waiting = [1, 2, 3].map((n) => limiter.run(async () => void started.push(n)));
    await sleep(1);
    expect(started).toEqual([]);
    const late = limiter.run(async () => void started.push(4));
    release();
    await Promise.all([blocker, ...waiting, late]);
    expect(started).toEqual([1, 2, 3, 4]);
  });

  it('frees the slot of a task that fails, and passes its failure on', async () => {
    const limiter = new Limiter(1);
    const failing = limiter.run(async () => Promise.reject(new Error('two')));
    const after = limiter.run(async () => 'three');
    await expect(failing).rejects.toThrow('two');
    expect(await after).toBe('three');
    expect(limiter.active).toBe(0);
  });

  it('refuses a limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new Limiter(bad)).toThrow(RangeError);
  });
});
