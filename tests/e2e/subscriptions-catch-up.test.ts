/**
 * Catch-up against `wrangler dev`: a dashboard can only subscribe to a run once
 * initiateHealthCheck has answered with its uuid, and the demo fleet's run is over in about half a
 * second, so a subscriber to the run's uuid arrives late by design. It must still get the whole
 * story, STARTED to COMPLETED, numbered and each event once; one arriving after the end gets it
 * all, then `complete`. The real graphql-ws client over Node's WebSocket.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { live, within, type LiveClient, type LiveSubscription } from '../subscriptions/live';
import { graphqlData } from './helpers/graphql';

const baseUrl = inject('baseUrl');
const adminKey = inject('adminKey');
const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/graphql`;

const STORY = 'subscription ($uuid: ID) { healthCheckUpdated(uuid: $uuid) { sequence type healthCheck { uuid status } workerResult { workerName } } }';

interface StoryEvent {
  sequence: number;
  type: string;
  healthCheck: { uuid: string; status: string };
  workerResult: { workerName: string } | null;
}

const graphql = <T = any>(key: string, query: string, variables?: Record<string, unknown>) => graphqlData<T>(baseUrl, key, query, variables);

const initiate = async () =>
  (
    await graphql<{ initiateHealthCheck: { healthCheckUuid: string } }>(
      adminKey,
      'mutation ($input: InitiateHealthCheckInput) { initiateHealthCheck(input: $input) { healthCheckUuid } }',
      { input: { triggerSource: 'e2e-catch-up' } },
    )
  ).initiateHealthCheck.healthCheckUuid;

let viewerKey: string;
const clients: LiveClient[] = [];

beforeAll(async () => {
  const { createApiKey } = await graphql<{ createApiKey: { key: string } }>(adminKey, 'mutation ($name: String!) { createApiKey(name: $name, role: VIEWER) { key } }', {
    name: `e2e-catch-up-${Date.now()}`,
  });
  viewerKey = createApiKey.key;
  return async () => {
    await Promise.allSettled(clients.map((client) => client.dispose()));
  };
});

async function watch(uuid: string): Promise<LiveSubscription<{ healthCheckUpdated: StoryEvent }>> {
  const client = live(viewerKey, { url: wsUrl, webSocketImpl: WebSocket });
  clients.push(client);
  await within(client.connected, 'connection_ack');
  return client.subscribe<{ healthCheckUpdated: StoryEvent }>(STORY, { uuid });
}

async function story(subscription: LiveSubscription<{ healthCheckUpdated: StoryEvent }>): Promise<StoryEvent[]> {
  while (subscription.results.length < 5) await subscription.next();
  for (const result of subscription.results) expect(result.errors).toBeUndefined();
  return subscription.results.map((result) => result.data!.healthCheckUpdated);
}

function expectWholeStory(events: StoryEvent[], uuid: string) {
  // In the order they came: STARTED first, COMPLETED last, 1 to 5 each once.
  expect(events.map((event) => event.sequence).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
  expect(events[0]).toMatchObject({ sequence: 1, type: 'STARTED', workerResult: null });
  expect(events.at(-1)).toMatchObject({ sequence: 5, type: 'COMPLETED', healthCheck: { uuid, status: 'COMPLETED' } });
  expect(events.slice(1, 4).map((event) => event.type)).toEqual(['WORKER_RESULT', 'WORKER_RESULT', 'WORKER_RESULT']);
  expect(events.slice(1, 4).map((event) => event.workerResult!.workerName).sort()).toEqual(['agent-factory', 'data-factory', 'ui-factory']);
  for (const event of events) expect(event.healthCheck.uuid).toBe(uuid);
}

describe('a dashboard that subscribes to a run of wrangler dev late', () => {
  it('right after initiateHealthCheck returns, gets STARTED to COMPLETED in order, every time', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const uuid = await initiate();
      const subscription = await watch(uuid);
      const events = await within(story(subscription), `the story of run ${uuid}`, 30_000);
      expectWholeStory(events, uuid);
      expect(subscription.results).toHaveLength(5);
    }
  });

  it('after the run ended, gets the whole story, then complete', async () => {
    const uuid = await initiate();
    for (let polls = 0; ; polls++) {
      const { healthCheck } = await graphql(viewerKey, 'query ($uuid: ID!) { healthCheck(uuid: $uuid) { status } }', { uuid });
      if (healthCheck.status !== 'RUNNING') break;
      if (polls > 400) throw new Error(`run ${uuid} is still running`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const subscription = await watch(uuid);
    await within(subscription.completed, 'complete after the story', 30_000);
    const events = subscription.results.map((result) => result.data!.healthCheckUpdated);
    expect(events.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5]);
    expectWholeStory(events, uuid);
  });
});
