/**
 * How many EventHub shards there are (`EVENT_HUB_SHARDS`) and what each is called: the one
 * reading of it, shared by the Worker's upgrade router (durable/graphql-ws/shards.ts) and the
 * publisher (durable/publisher.ts). They must agree, or a publish misses the sockets of a shard
 * the router used. Pure: nothing from durable/ is imported here.
 */

/** What a missing or malformed EVENT_HUB_SHARDS means: one shard, so nobody is ever split. */
export const FALLBACK_SHARD_COUNT = 1;

/**
 * The most shards read from EVENT_HUB_SHARDS. Every publish goes to every shard, so a typo such as
 * 40000 must not turn one event into tens of thousands of calls.
 */
export const MAX_SHARD_COUNT = 64;

/**
 * EVENT_HUB_SHARDS as a shard count: a plain positive integer (digits only, surrounding spaces
 * allowed; or an integer number), clamped to 1..MAX_SHARD_COUNT. Anything else (missing, empty,
 * "4x", "1.5", "1e21", "0x10", a non-integer number) is FALLBACK_SHARD_COUNT.
 */
export function shardCount(value: unknown): number {
  let count: number;
  if (typeof value === 'number') count = value;
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) count = Number.parseInt(value, 10);
  else return FALLBACK_SHARD_COUNT;
  if (!Number.isInteger(count)) return FALLBACK_SHARD_COUNT; // NaN, ±Infinity, fractions
  return Math.min(Math.max(count, 1), MAX_SHARD_COUNT);
}

/** The name of shard `index` (0-based): its Durable Object is `idFromName(shardName(index))`. */
export function shardName(index: number): string {
  return `shard-${index}`;
}
