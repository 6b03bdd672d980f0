import type { HealthCheckEvent, Publish } from './events';

/** The slice of the EventHub namespace publishing needs (durable/ is not imported from here). */
interface HubNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): { publish(event: HealthCheckEvent): Promise<unknown> };
}

/**
 * Publishes run events to every EventHub shard (subscribers are spread over shards, so each
 * event goes to all). A deployment without the EVENT_HUB binding has no subscribers to tell.
 */
export function createPublisher(env: Env): Publish {
  const hub = (env as { EVENT_HUB?: HubNamespace }).EVENT_HUB;
  if (!hub) return async () => {};
  const shards = Math.max(1, Number.parseInt(env.EVENT_HUB_SHARDS, 10) || 1);
  return async (event) => {
    const results = await Promise.allSettled(
      Array.from({ length: shards }, (_, shard) => hub.get(hub.idFromName(`shard-${shard}`)).publish(event)),
    );
    for (const result of results) {
      // A shard that cannot be told loses live updates, never data: the event is in D1 already.
      if (result.status === 'rejected') console.error(JSON.stringify({ event: 'publish.failed', type: event.type, error: String(result.reason) }));
    }
  };
}
