import { describe, expect, it } from 'vitest';
import { hashString, shardCount, shardName, shardOrder } from '../../durable/graphql-ws/shards';

describe('shards', () => {
  it('names shards as durable/publisher.ts publishes to them', () => {
    expect([0, 1, 2, 3].map(shardName)).toEqual(['shard-0', 'shard-1', 'shard-2', 'shard-3']);
  });

  it('reads EVENT_HUB_SHARDS, and a bad value as one shard', () => {
    expect(shardCount('4')).toBe(4);
    expect(shardCount(2)).toBe(2);
    for (const bad of [undefined, '', '0', '-1', 'four', '1.5']) expect(shardCount(bad)).toBe(1);
  });

  it('tries every shard once, starting from the client id’s shard', () => {
    const order = shardOrder(4, 'dashboard-7');
    expect([...order].sort()).toEqual([0, 1, 2, 3]);
    expect(order[0]).toBe(hashString('dashboard-7') % 4);
    expect(order).toEqual(shardOrder(4, 'dashboard-7')); // stable
    expect(order.slice(1)).toEqual([1, 2, 3].map((offset) => (order[0]! + offset) % 4));
  });

  it('starts from a random shard without a client id', () => {
    expect(shardOrder(4, null, () => 0.99)).toEqual([3, 0, 1, 2]);
    expect(shardOrder(4, null, () => 0)).toEqual([0, 1, 2, 3]);
  });

  it('spreads client ids evenly enough', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[hashString(`client-${i}`) % 4]!++;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });
});
