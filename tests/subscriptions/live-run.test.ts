/**
 * A dashboard watches a real run of the demo fleet: the orchestrator dispatches to the fleet
 * workers (auxiliary Workers here), they report back signed, and every step reaches the
 * subscriber live, in order, with exactly the fields it selected, as D1 has them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, gql, keyFor } from '../helpers/graphql';
import { FLEET, initiate, registerFleet } from '../runs/helpers';
import { COMPLETED, dashboard, disconnectAll, RUN_SELECTION, UPDATED, WORKER_SELECTION } from './helpers';

afterEach(disconnectAll);

async function runNow(uuid: string) {
  const response = await gql(`query ($uuid: ID!) { healthCheck(uuid: $uuid) { ${RUN_SELECTION} } }`, { uuid });
  expect(response.errors).toBeUndefined();
  return response.data!.healthCheck;
}

async function workerNow(uuid: string) {
  const response = await gql(`query ($uuid: ID!) { workerHealthCheck(uuid: $uuid) { ${WORKER_SELECTION} } }`, { uuid });
  expect(response.errors).toBeUndefined();
  return response.data!.workerHealthCheck;
}

describe('a dashboard watching a run', () => {
  it('gets STARTED, one WORKER_RESULT per worker as it reports, then COMPLETED with the final score', async () => {
    await registerFleet();
    const watcher = dashboard(await keyFor('viewer'));
    await watcher.connected;
    const updates = watcher.subscribe<{ healthCheckUpdated: any }>(UPDATED);
    const completions = watcher.subscribe<{ healthCheckCompleted: any }>(COMPLETED);
    await watcher.settled();

    const uuid = await initiate({ triggerSource: 'subscriptions-test' });
    const events: any[] = [];
    while (events.at(-1)?.type !== 'COMPLETED') {
      const result = await updates.next();
      expect(result.errors).toBeUndefined();
      events.push(result.data!.healthCheckUpdated);
    }

    expect(events.map((event) => event.type)).toEqual(['STARTED', 'WORKER_RESULT', 'WORKER_RESULT', 'WORKER_RESULT', 'COMPLETED']);
    for (const event of events) expect(event.healthCheck.uuid).toBe(uuid);
    expect(events[0]).toMatchObject({ workerResult: null, healthCheck: { totalWorkers: 3 } });

    // One result per worker, each as its reporting left it: final, scored, its own.
    const reported = events.slice(1, 4).map((event) => event.workerResult);
    expect(reported.map((worker) => worker.workerName).sort()).toEqual(FLEET.map((worker) => worker.name).sort());
    for (const worker of reported) {
      expect(worker).toEqual(await workerNow(worker.uuid));
      expect(worker).toMatchObject({ healthCheckUuid: uuid, status: 'COMPLETED', healthStatus: expect.any(String) });
    }
    // Each event was published after D1 had its result, so the k-th shows at least k workers done;
    // results written in one flush show the same count (run ledger, group commit), never less.
    const counts = events.slice(1, 4).map((event) => event.healthCheck.completedWorkers as number);
    counts.forEach((count, index) => expect(count).toBeGreaterThanOrEqual(index + 1));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBe(3);

    // COMPLETED carries the final run, exactly what a query returns now, and nothing unselected.
    const final = await runNow(uuid);
    expect(final.status).toBe('COMPLETED');
    expect(events[4]).toEqual({ type: 'COMPLETED', healthCheck: final, workerResult: null });

    const completed = await completions.next();
    expect(completed).toEqual({ data: { healthCheckCompleted: { ...final, completedAt: expect.any(String) } } });
    expect(completions.results).toHaveLength(1);
  });

  it('works the same for every role, and for the bootstrap admin key', async () => {
    await registerFleet();
    const watchers = await Promise.all(
      (['viewer', 'operator', 'admin'] as const).map(async (role) => dashboard(await keyFor(role))),
    );
    const bootstrap = dashboard(ADMIN_KEY);
    const all = [...watchers, bootstrap];
    const subscriptions = await Promise.all(
      all.map(async (watcher) => {
        await watcher.connected;
        const subscription = watcher.subscribe<{ healthCheckCompleted: { uuid: string; status: string } }>('subscription { healthCheckCompleted { uuid status } }');
        await watcher.settled();
        return subscription;
      }),
    );
    const uuid = await initiate({ workerFilters: ['agent-factory'] });
    for (const subscription of subscriptions) {
      expect(await subscription.next()).toEqual({ data: { healthCheckCompleted: { uuid, status: 'COMPLETED' } } });
    }
  });
});
