import { describe, expect, it } from 'vitest';
import { YieldBudget } from '../../durable/graphql-ws/yield-budget';

describe('YieldBudget', () => {
  it('lets work go on without waiting until the chunk is spent, then asks for one pause that refills it', async () => {
    let pauses = 0;
    const budget = new YieldBudget(3, async () => void pauses++);
    for (let i = 0; i < 3; i++) {
      expect(budget.wait()).toBeNull();
      budget.spend();
    }
    const pause = budget.wait();
    expect(pause).not.toBeNull();
    await pause;
    expect([pauses, budget.remaining]).toEqual([1, 3]);
  });

  it('shares one pause among everyone waiting, and counts heavier work as more units', async () => {
    let pauses = 0;
    let release!: () => void;
    const budget = new YieldBudget(10, () => {
      pauses++;
      return new Promise<void>((resolve) => (release = resolve));
    });
    budget.spend(10); // one execution's weight
    const first = budget.wait();
    const second = budget.wait();
    expect(first).toBe(second);
    release();
    await Promise.all([first, second]);
    expect(pauses).toBe(1);
    budget.spend(25); // overdrawn: the next caller pauses
    expect(budget.wait()).not.toBeNull();
  });

  it('refuses a chunk that is not a positive integer', () => {
    for (const bad of [0, -1, 2.5, Number.NaN]) expect(() => new YieldBudget(bad, async () => {})).toThrow(RangeError);
  });
});
