/**
 * Live updates as a monitoring client gets them from the stack `npm start` runs: the real
 * graphql-ws client over a real WebSocket (Node's) to wrangler dev, the typed client's own
 * subscription documents (client/operations/subscriptions.graphql), the demo fleet doing the work.
 * Other e2e files may run health checks at the same time, so everything here is told apart by run.
 */
import { print } from 'graphql';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { HealthCheckCompletedDocument, HealthCheckDocument, HealthCheckUpdatedDocument } from '../../client/generated/graphql';
import { live, within, type LiveClient } from '../subscriptions/live';
import { graphqlData } from './helpers/graphql';

const baseUrl = inject('baseUrl');
const adminKey = inject('adminKey');
const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/graphql`;

const UPDATED = print(HealthCheckUpdatedDocument);
const COMPLETED = print(HealthCheckCompletedDocument);

const graphql = <T = any>(key: string, query: string, variables?: Record<string, unknown>) => graphqlData<T>(baseUrl, key, query, variables);

const initiate = async (input: Record<string, unknown> = {}) =>
  (await graphql<{ initiateHealthCheck: { healthCheckUuid: string } }>(adminKey, 'mutation ($input: InitiateHealthCheckInput) { initiateHealthCheck(input: $input) { healthCheckUuid } }', { input }))
    .initiateHealthCheck.healthCheckUuid;

/** A run started and finished (its STARTED and COMPLETED are over before this returns). */
async function finishedRun(): Promise<string> {
  const uuid = await initiate({ workerFilters: ['agent-factory'] });
  for (let polls = 0; ; polls++) {
    const { healthCheck } = await graphql(viewerKey, 'query ($uuid: ID!) { healthCheck(uuid: $uuid) { status } }', { uuid });
    if (healthCheck.status !== 'RUNNING') return uuid;
    if (polls > 200) throw new Error(`run ${uuid} is still running`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let viewerKey: string;
const clients: LiveClient[] = [];

function dashboard(key: string | null = viewerKey, connectionParams?: Record<string, unknown>): LiveClient {
  const client = live(key, { url: wsUrl, webSocketImpl: WebSocket, connectionParams });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  const { createApiKey } = await graphql<{ createApiKey: { key: string } }>(adminKey, 'mutation ($name: String!) { createApiKey(name: $name, role: VIEWER) { key } }', {
    name: `e2e-dashboard-${Date.now()}`,
  });
  viewerKey = createApiKey.key;
  return async () => {
    await Promise.allSettled(clients.map((client) => client.dispose()));
  };
});

describe('live updates from wrangler dev', () => {
  it('shows a dashboard the whole run, in order, with the fields it selected', async () => {
    const watcher = dashboard();
    await within(watcher.connected, 'connection_ack');
    const updates = watcher.subscribe<any>(UPDATED);
    const completions = watcher.subscribe<any>(COMPLETED);
    await watcher.settled();

    const uuid = await initiate({ triggerSource: 'e2e-subscriptions' });
    const ours = () => updates.results.map((result) => result.data!.healthCheckUpdated).filter((event) => event.healthCheck.uuid === uuid);
    while (ours().at(-1)?.type !== 'COMPLETED') await updates.next();
    const events = ours();

    expect(events.map((event) => event.type)).toEqual(['STARTED', 'WORKER_RESULT', 'WORKER_RESULT', 'WORKER_RESULT', 'COMPLETED']);
    expect(events[0].workerResult).toBeNull();
    expect(events.slice(1, 4).map((event) => event.workerResult.workerName).sort()).toEqual(['agent-factory', 'data-factory', 'ui-factory']);
    for (const event of events.slice(1, 4)) {
      expect(event.workerResult).toMatchObject({ healthCheckUuid: uuid, status: 'COMPLETED', healthStatus: expect.any(String) });
      expect(event.workerResult.unitTests.total).toBeGreaterThan(0);
    }

    // COMPLETED carries the final run, field for field what the typed client's HealthCheck query
    // returns now; a WORKER_RESULT carries the worker's result as that query returns it.
    const { healthCheck } = await graphql(viewerKey, print(HealthCheckDocument), { uuid });
    const { workerResults, aiAnalysis, aiRecommendations, ...summary } = healthCheck;
    expect(summary.status).toBe('COMPLETED');
    expect(events[4]).toEqual({ type: 'COMPLETED', healthCheck: summary, workerResult: null });
    // (Less the per-worker analysis, which finalisation writes after the last result.)
    const { aiWorkerAnalysis, aiWorkerRecommendations, ...last } = events[3].workerResult;
    expect([aiWorkerAnalysis, aiWorkerRecommendations]).toEqual([null, []]);
    const { aiWorkerAnalysis: _a, aiWorkerRecommendations: _r, ...queried } = workerResults.find((worker: { uuid: string }) => worker.uuid === last.uuid);
    expect(last).toEqual(queried);

    const ourCompletion = async () => {
      for (;;) {
        const result = await completions.next();
        if (result.data!.healthCheckCompleted.uuid === uuid) return result.data!.healthCheckCompleted;
      }
    };
    expect(await ourCompletion()).toEqual({ ...summary, aiAnalysis, aiRecommendations });
    expect(aiAnalysis).toContain('ui-factory');
  });

  it('keeps dashboards watching one run each free of every other run', async () => {
    // Each dashboard watches a run already over: it gets that run's story (its catch-up, ending
    // with complete; subscriptions-catch-up.test.ts), and a new run reaches none of them.
    const [first, second] = [await finishedRun(), await finishedRun()];
    const watchers = [dashboard(), dashboard()];
    const watching = [first, second].map((uuid, i) => ({
      byUuid: watchers[i]!.subscribe<any>(UPDATED, { uuid }),
      // Same socket, every run's end: once it has the new run's COMPLETED, so would the other.
      ends: watchers[i]!.subscribe<any>('subscription { healthCheckCompleted { uuid } }'),
    }));
    await Promise.all(watchers.map((watcher) => watcher.settled()));

    const uuid = await initiate();
    for (const { ends } of watching) {
      while (!ends.results.some((result) => result.data!.healthCheckCompleted.uuid === uuid)) await ends.next();
    }
    for (const { byUuid } of watching) await within(byUuid.completed, 'the catch-up of a finished run to end');
    [first, second].forEach((own, i) => {
      const { byUuid } = watching[i]!;
      expect(byUuid.results.map((result) => result.data!.healthCheckUpdated.type)).toEqual(['STARTED', 'WORKER_RESULT', 'COMPLETED']);
      for (const result of byUuid.results) expect(result.data!.healthCheckUpdated.healthCheck.uuid).toBe(own);
    });
  });

  it('refuses an unknown key with 4403 and keeps a socket open past an invalid document', async () => {
    await expect(dashboard('wh_not_a_key').connected).rejects.toMatchObject({ code: 4403, reason: 'Forbidden' });

    const watcher = dashboard();
    const bad = watcher.subscribe('subscription { healthCheckUpdated { colour } }');
    expect(await within(bad.failed, 'the refusal')).toEqual([
      expect.objectContaining({ message: 'Cannot query field "colour" on type "HealthCheckEvent".', extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' } }),
    ]);
    const completions = watcher.subscribe<any>('subscription { healthCheckCompleted { uuid } }');
    await watcher.settled();
    const uuid = await initiate({ workerFilters: ['agent-factory'] });
    for (;;) if ((await completions.next()).data!.healthCheckCompleted.uuid === uuid) break;
  });

  it('answers a client that closes its socket: the close completes cleanly, with the code the client sent', async () => {
    // Before the hub answered close frames, a client closing normally saw 1006 (not clean) once
    // the runtime gave up on the handshake, about 20 s later.
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener('close', resolve));
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${adminKey}` } })));
      socket.addEventListener('message', (message) => (JSON.parse(String(message.data)).type === 'connection_ack' ? resolve() : reject(new Error(String(message.data)))));
      socket.addEventListener('error', () => reject(new Error('socket error')));
    });
    socket.close(1000, 'Normal Closure');
    const event = await closed;
    expect({ code: event.code, reason: event.reason, wasClean: event.wasClean }).toEqual({ code: 1000, reason: 'Normal Closure', wasClean: true });
  });
});
