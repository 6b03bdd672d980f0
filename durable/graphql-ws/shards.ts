/**
 * Spreading subscription sockets over `EVENT_HUB_SHARDS` EventHub objects, and reaching all of
 * them to publish. index.ts routes upgrades with `routeSubscriptionUpgrade`; publishing goes to
 * every shard (`hubShards`).
 *
 * The names and the count must agree with resolvers/publisher.ts, which publishes to
 * `idFromName("shard-<i>")` for i below the count and reads a bad count as 1.
 */

/** What a missing or malformed EVENT_HUB_SHARDS means: one shard, so nobody is ever split. */
export const FALLBACK_SHARD_COUNT = 1;

export function shardCount(value: unknown): number {
  const count = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(count) && count > 0 ? count : FALLBACK_SHARD_COUNT;
}

export function shardName(index: number): string {
  return `shard-${index}`;
}

/** FNV-1a, 32-bit: a stable, well-spread hash of a client id. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The shard order to try for one connection: from its client id's shard when it gives one (the
 * same client lands on the same hub), else from a random shard; then the following shards, so a
 * full hub (503) passes the socket on.
 */
export function shardOrder(count: number, clientId: string | null, random: () => number = Math.random): number[] {
  const first = clientId ? hashString(clientId) % count : Math.floor(random() * count) % count;
  return Array.from({ length: count }, (_, offset) => (first + offset) % count);
}

/**
 * Hands a WebSocket upgrade to a hub shard, trying the next one while shards answer 503 (full).
 * The client may pass `?clientId=` to pick its shard deterministically.
 */
export async function routeSubscriptionUpgrade<T extends Rpc.DurableObjectBranded | undefined>(
  request: Request,
  hubs: DurableObjectNamespace<T>,
  shards: number,
  random: () => number = Math.random,
): Promise<Response> {
  const clientId = new URL(request.url).searchParams.get('clientId');
  let response: Response | undefined;
  for (const index of shardOrder(shards, clientId, random)) {
    response = await hubs.get(hubs.idFromName(shardName(index))).fetch(request);
    if (response.status !== 503) return response;
  }
  return response!;
}

/** Every shard's stub, for publishing. */
export function hubShards<T extends Rpc.DurableObjectBranded | undefined>(hubs: DurableObjectNamespace<T>, shards: number): DurableObjectStub<T>[] {
  return Array.from({ length: shards }, (_, index) => hubs.get(hubs.idFromName(shardName(index))));
}
