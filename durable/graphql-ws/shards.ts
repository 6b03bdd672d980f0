/**
 * Spreading subscription sockets over `EVENT_HUB_SHARDS` EventHub objects. index.ts routes
 * upgrades with `routeSubscriptionUpgrade`; durable/publisher.ts publishes to every shard.
 *
 * Both read the count and name the shards with durable/hub-shards.ts, so they always agree;
 * `shardCount` and `shardName` are re-exported here for the router's callers.
 */
import { shardName } from '../hub-shards';

export { FALLBACK_SHARD_COUNT, MAX_SHARD_COUNT, shardCount, shardName } from '../hub-shards';

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
 * Hands a WebSocket upgrade to a hub shard, trying the next one while shards answer 503 (full, or
 * holding their cap of sockets awaiting connection_init).
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
