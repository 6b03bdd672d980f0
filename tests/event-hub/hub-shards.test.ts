import { describe, expect, it } from 'vitest';
import * as routerShards from '../../durable/graphql-ws/shards';
import { FALLBACK_SHARD_COUNT, MAX_SHARD_COUNT, shardCount, shardName } from '../../durable/hub-shards';

describe('durable/hub-shards', () => {
  it('is what the upgrade router uses: one reading of EVENT_HUB_SHARDS for router and publisher', () => {
    expect(routerShards.shardCount).toBe(shardCount);
    expect(routerShards.shardName).toBe(shardName);
  });

  it('reads a plain positive integer, as a string with spaces or a number', () => {
    expect(shardCount('4')).toBe(4);
    expect(shardCount(' 8 ')).toBe(8);
    expect(shardCount('007')).toBe(7);
    expect(shardCount(3)).toBe(3);
  });

  it(`clamps a count above ${MAX_SHARD_COUNT}, however large, and reads 0 as 1`, () => {
    expect(MAX_SHARD_COUNT).toBe(64);
    expect(shardCount('65')).toBe(64);
    expect(shardCount('40000')).toBe(64);
    expect(shardCount('1000000000000000000000')).toBe(64);
    expect(shardCount(1e21)).toBe(64);
    expect(shardCount(Number.MAX_SAFE_INTEGER + 2)).toBe(64);
    expect(shardCount('0')).toBe(1);
    expect(shardCount(0)).toBe(1);
  });

  it('reads anything else as one shard', () => {
    expect(FALLBACK_SHARD_COUNT).toBe(1);
    for (const bad of [undefined, null, '', ' ', '1e21', '4x', 'x4', '1.5', '-1', '+4', '0x10', '4 4', 'four', 1.5, -3, Number.NaN, Number.POSITIVE_INFINITY, {}, ['4'], true]) {
      expect(shardCount(bad), JSON.stringify(bad)).toBe(1);
    }
  });

  it('names shard i "shard-i"', () => {
    expect([0, 1, 63].map(shardName)).toEqual(['shard-0', 'shard-1', 'shard-63']);
  });
});
