import type { Publish } from '../operations/events';
import type { EventHub } from './event-hub';
import { shardCount, shardName } from './hub-shards';

/** One EventHub shard, through the generated EVENT_HUB binding's type. */
type Shard = DurableObjectStub<EventHub>;

/**
 * Runs `call` on every EventHub shard (subscribers are spread over shards, so everything goes to
 * all). A deployment without the EVENT_HUB binding has no subscribers to tell. A shard that cannot
 * be reached loses live updates, never data: what it would have said is in D1 already.
 */
function toEveryShard(env: Env, what: string, call: (shard: Shard) => Promise<unknown>): Promise<void> {
  const hub: Env['EVENT_HUB'] | undefined = env.EVENT_HUB;
  if (!hub) return Promise.resolve();
  // The same reading of EVENT_HUB_SHARDS and the same names as the router that places sockets.
  const shards = shardCount(env.EVENT_HUB_SHARDS);
  return Promise.allSettled(Array.from({ length: shards }, (_, shard) => call(hub.get(hub.idFromName(shardName(shard)))))).then(
    (results) => {
      for (const result of results) {
        if (result.status === 'rejected') console.error(JSON.stringify({ event: `${what}.failed`, error: String(result.reason) }));
      }
    },
  );
}

/**
 * Publishes run events to every shard: one request per shard for all the events of a call, sent to
 * every shard at once. Each shard answers `accept` as soon as it has checked the events and fixed
 * which subscriptions they are for; planning, executing and sending happen on the shard
 * afterwards. So what this waits for is one round trip to the slowest shard, never subscriber
 * work, whatever the batch and however many watch it.
 */
export function createPublisher(env: Env): Publish {
  return async (...events) => {
    if (events.length === 0) return;
    await toEveryShard(env, `publish.${events.map((event) => event.type).join(',')}`, (shard) => shard.accept(events));
  };
}

/** Closes every live subscription socket authenticated with a key, on every shard. */
export function disconnectKeyEverywhere(env: Env, keyName: string): Promise<void> {
  return toEveryShard(env, 'disconnect_key', (shard) => shard.disconnectKey(keyName));
}
