/** Dashboards for tests in workerd: the real graphql-ws client, upgrading through the orchestrator. */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { readConnectionState } from '../../durable/graphql-ws/connection-state';
import { shardCount, shardName } from '../../durable/graphql-ws/shards';
import { closeAllSockets, WorkerWebSocket } from '../event-hub/sockets';
import { live, type LiveClient, type LiveOptions } from './live';

const clients: LiveClient[] = [];

/** A monitoring client on ws://orchestrator/graphql, authenticated with `key` in connection_init. */
export function dashboard(key: string | null, options: { clientId?: string; connectionParams?: LiveOptions['connectionParams'] } = {}): LiveClient {
  const query = options.clientId ? `?clientId=${encodeURIComponent(options.clientId)}` : '';
  const client = live(key, { url: `ws://orchestrator/graphql${query}`, webSocketImpl: WorkerWebSocket, connectionParams: options.connectionParams });
  clients.push(client);
  return client;
}

/** For afterEach: closes every dashboard and socket the test opened. */
export async function disconnectAll(): Promise<void> {
  await Promise.allSettled(clients.splice(0).map((client) => client.dispose()));
  closeAllSockets();
}

export const SHARDS = shardCount(env.EVENT_HUB_SHARDS);
const limits = env as unknown as Record<string, string>;
export const MAX_SOCKETS = Number(limits.EVENT_HUB_MAX_SOCKETS);
export const MAX_SUBSCRIPTIONS = Number(limits.EVENT_HUB_MAX_SUBSCRIPTIONS);
export const INIT_TIMEOUT_MS = Number(limits.EVENT_HUB_INIT_TIMEOUT_MS);

export const shardStub = (index: number) => env.EVENT_HUB.getByName(shardName(index));

/** Sockets and subscriptions each hub shard holds now, read from the sockets' attachments. */
export async function hubOccupancy(): Promise<{ sockets: number; subscriptions: number }[]> {
  return Promise.all(
    Array.from({ length: SHARDS }, (_, index) =>
      runInDurableObject(shardStub(index), (_hub, state) => {
        const sockets = state.getWebSockets();
        const subscriptions = sockets.reduce((sum, ws) => sum + Object.keys(readConnectionState(ws.deserializeAttachment())?.subscriptions ?? {}).length, 0);
        return { sockets: sockets.length, subscriptions };
      }),
    ),
  );
}

/**
 * Resolves once every shard has sent everything published so far (publish answers before it
 * delivers). A client's `settled()` after this means those messages have reached the client too.
 */
export async function hubsDrained(): Promise<void> {
  await Promise.all(Array.from({ length: SHARDS }, (_, index) => shardStub(index).drained()));
}

/** Waits until every shard is empty: closed sockets leave a hub when their close handshake ends. */
export async function hubsEmptied(timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const occupancy = await hubOccupancy();
    if (occupancy.every((shard) => shard.sockets === 0)) return;
    if (Date.now() > deadline) throw new Error(`hub shards still hold sockets: ${JSON.stringify(occupancy)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// What a dashboard selects: a little of everything, nested, so "the fields it selected" is checked.
export const RUN_SELECTION = 'uuid status totalWorkers completedWorkers passedWorkers failedWorkers overallHealthScore healthStatus';
export const WORKER_SELECTION = 'uuid healthCheckUuid workerName status healthScore healthStatus unitTests { total passed failed }';

export const UPDATED = `subscription Updated($uuid: ID) {
  healthCheckUpdated(uuid: $uuid) {
    type
    healthCheck { ${RUN_SELECTION} }
    workerResult { ${WORKER_SELECTION} }
  }
}`;

export const COMPLETED = `subscription Completed { healthCheckCompleted { ${RUN_SELECTION} completedAt } }`;
