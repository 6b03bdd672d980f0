import { describe, expect, it } from 'vitest';
import { mapConcurrently } from '../../durable/graphql-ws/concurrency';

describe('mapConcurrently', () => {
  it('keeps at most `limit` tasks in flight and returns results in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapConcurrently([30, 5, 20, 1, 10, 2], 2, async (ms, index) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      inFlight--;
      return `${index}:${ms}`;
    });
    expect(results).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10', '5:2']);
    expect(most).toBe(2);
  });

  it('handles no items and a limit above their number', async () => {
    expect(await mapConcurrently([], 6, async () => 1)).toEqual([]);
    expect(await mapConcurrently([1, 2], 6, async (n) => n * 2)).toEqual([2, 4]);
  });

  it('rejects with the first failure', async () => {
    await expect(mapConcurrently([1, 2, 3], 2, async (n) => (n === 2 ? Promise.reject(new Error('two')) : n))).rejects.toThrow('two');
  });
});
