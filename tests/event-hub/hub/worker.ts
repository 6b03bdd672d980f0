/** The fixture Worker: what index.ts will do for subscriptions, and nothing else. */
import { EventHub } from '../../../durable/event-hub';
import { routeSubscriptionUpgrade, shardCount } from '../../../durable/graphql-ws/shards';

export { EventHub };

export interface FixtureEnv {
  EVENT_HUB: DurableObjectNamespace<EventHub>;
  EVENT_HUB_SHARDS: string;
  EVENT_HUB_FIXTURE?: string;
}

export default {
  async fetch(request, env): Promise<Response> {
    if (new URL(request.url).pathname === '/graphql' && request.headers.get('Upgrade')?.toLowerCase() === 'websocket') {
      return routeSubscriptionUpgrade(request, env.EVENT_HUB, shardCount(env.EVENT_HUB_SHARDS));
    }
    return new Response('not found', { status: 404 });
  },
} satisfies ExportedHandler<FixtureEnv>;
