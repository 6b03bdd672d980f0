/**
 * A dashboard watching one run gets the run's whole story wherever it joins: what already
 * happened, read from D1, then live events, each numbered (HealthCheckEvent.sequence), with no
 * gap and no duplicate at the seam. The real schema, D1 and hub shards; runs held open and moved
 * step by step (held-runs.ts), and real runs of the demo fleet joined at random moments.
 */
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { timeOutOutstandingWorkers } from '../../operations/finalise';
import { seedRun } from '../helpers/fixtures';
import { gql, keyFor } from '../helpers/graphql';
import { initiate, registerFleet, waitForRun } from '../runs/helpers';
import { cancel, heldRun, report } from './held-runs';
import { dashboard, disconnectAll, hubsDrained } from './helpers';
import { within, type LiveSubscription } from './live';

afterEach(disconnectAll);

const STORY = 'subscription Story($uuid: ID) { healthCheckUpdated(uuid: $uuid) { sequence type healthCheck { uuid status } workerResult { workerName status } } }';

interface StoryEvent {
  sequence: number;
  type: string;
  healthCheck: { uuid: string; status: string };
  workerResult: { workerName: string; status: string } | null;
}

type Step = [sequence: number, type: string, worker: string | null];
const step = (event: StoryEvent): Step => [event.sequence, event.type, event.workerResult?.workerName ?? null];

/** A dashboard of its own watching one run. */
async function join(uuid: string, key: string): Promise<LiveSubscription<{ healthCheckUpdated: StoryEvent }>> {
  const watcher = dashboard(key);
  await watcher.connected;
  return watcher.subscribe<{ healthCheckUpdated: StoryEvent }>(STORY, { uuid });
}

/** Waits until a subscription has `count` events; returns them in arrival order. */
async function story(subscription: LiveSubscription<{ healthCheckUpdated: StoryEvent }>, count: number): Promise<StoryEvent[]> {
  while (subscription.results.length < count) await subscription.next();
  for (const result of subscription.results) expect(result.errors).toBeUndefined();
  return subscription.results.map((result) => result.data!.healthCheckUpdated);
}

describe('the story of a run, wherever a dashboard joins it', () => {
  it('is the same, in order, for dashboards joining before, between the steps, and after the end; a late one then gets complete', async () => {
    const key = await keyFor('viewer');
    const run = await heldRun(3);
    const uuid = run.healthCheckUuid;
    const joined = [await join(uuid, key)];
    await report(run, 0);
    joined.push(await join(uuid, key));
    await report(run, 1);
    joined.push(await join(uuid, key));
    await cancel(run); // the third worker ends FAILED, then the run ends
    await hubsDrained();
    const late = await join(uuid, key);
    joined.push(late);

    const expected: Step[] = [
      [1, 'STARTED', null],
      [2, 'WORKER_RESULT', run.checks[0]!.workerName],
      [3, 'WORKER_RESULT', run.checks[1]!.workerName],
      [4, 'WORKER_RESULT', run.checks[2]!.workerName],
      [5, 'COMPLETED', null], // totalWorkers + 2
    ];
    for (const subscription of joined) expect((await story(subscription, expected.length)).map(step)).toEqual(expected);
    // the one that came after the end: the whole story, then the operation is complete
    await within(late.completed, 'complete after a finished run');
    expect((await story(late, 5)).at(-1)).toMatchObject({ type: 'COMPLETED', healthCheck: { uuid, status: 'CANCELLED' } });
    // and nobody got anything twice
    await hubsDrained();
    for (const subscription of joined) expect(subscription.results).toHaveLength(expected.length);
  });

  it('is the same for dashboards joining a real run of the demo fleet at random moments', async () => {
    await registerFleet();
    const key = await keyFor('viewer');
    const everyRun = dashboard(key);
    const all = everyRun.subscribe<{ healthCheckUpdated: StoryEvent }>(STORY);
    await everyRun.settled();

    const uuid = await initiate({ triggerSource: 'catch-up' });
    // (vitest.config.ts: 2 shards of 3 sockets, one taken by the dashboard watching every run)
    const joining = Array.from({ length: 5 }, (_, i) =>
      new Promise<LiveSubscription<{ healthCheckUpdated: StoryEvent }>>((resolve) => setTimeout(resolve, i === 0 ? 0 : Math.random() * 900)).then(() => join(uuid, key)),
    );
    const joined = await Promise.all(joining);
    await waitForRun(uuid);
    const expectedLength = 5; // STARTED, 3 workers, COMPLETED

    const ours = async () => {
      while (all.results.filter((result) => result.data!.healthCheckUpdated.healthCheck.uuid === uuid).length < expectedLength) await all.next();
      return all.results.map((result) => result.data!.healthCheckUpdated).filter((event) => event.healthCheck.uuid === uuid);
    };
    const reference = (await ours()).map(step).sort((a, b) => a[0] - b[0]);
    expect(reference.map(([sequence]) => sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(reference.map(([, type]) => type)).toEqual(['STARTED', 'WORKER_RESULT', 'WORKER_RESULT', 'WORKER_RESULT', 'COMPLETED']);
    for (const subscription of joined) {
      const got = (await story(subscription, expectedLength)).map(step);
      // Live results of workers reporting at once may arrive in either order; the sequence orders them.
      expect([...got].sort((a, b) => a[0] - b[0])).toEqual(reference);
    }
    await hubsDrained();
    for (const subscription of joined) expect(subscription.results).toHaveLength(expectedLength);
  });

  it('numbers every worker a cancel ends at once, after those already final; a late dashboard gets them in order', async () => {
    const final = Array.from({ length: 5 }, (_, i) => ({ workerName: `done-${i}`, status: 'completed' as const, resultSequence: i + 2, completedAt: new Date() }));
    const open = Array.from({ length: 40 }, (_, i) => ({ workerName: `open-${i}`, status: 'running' as const }));
    const uuid = await seedRun({ status: 'running', startedAt: new Date() }, [...final, ...open]);
    const response = await gql('mutation ($uuid: ID!) { cancelHealthCheck(uuid: $uuid) { status } }', { uuid });
    expect(response.errors).toBeUndefined();

    const rows = await env.DB.prepare('SELECT worker_name AS name, result_sequence AS sequence FROM worker_health_checks WHERE health_check_uuid = ? ORDER BY id')
      .bind(uuid)
      .all<{ name: string; sequence: number }>();
    expect(rows.results.map((row) => row.sequence)).toEqual(Array.from({ length: 45 }, (_, i) => i + 2));

    const late = await join(uuid, await keyFor('viewer'));
    const events = await story(late, 47);
    expect(events.map((event) => event.sequence)).toEqual(Array.from({ length: 47 }, (_, i) => i + 1));
    expect(events.map(step).slice(6, 8)).toEqual([
      [7, 'WORKER_RESULT', 'open-0'],
      [8, 'WORKER_RESULT', 'open-1'],
    ]);
    await within(late.completed, 'complete');
  });

  it('numbers every worker the deadline times out at once', async () => {
    const uuid = await seedRun({ status: 'running', startedAt: new Date() }, [
      { status: 'failed', resultSequence: 2, completedAt: new Date() },
      ...Array.from({ length: 30 }, () => ({ status: 'running' as const })),
    ]);
    const published: number[] = [];
    const timedOut = await timeOutOutstandingWorkers(
      {
        db: createDb(env.DB),
        publish: async (...events) => {
          published.push(...events.map((event) => event.sequence));
        },
      },
      uuid,
    );
    expect(timedOut).toHaveLength(30);
    expect(published).toEqual(Array.from({ length: 30 }, (_, i) => i + 3));
  });

  it('gives results recorded at the same moment numbers of their own', async () => {
    const run = await heldRun(3);
    await Promise.all([report(run, 0), report(run, 1), report(run, 2)]);
    const rows = await env.DB.prepare('SELECT result_sequence AS sequence FROM worker_health_checks WHERE health_check_uuid = ? ORDER BY result_sequence')
      .bind(run.healthCheckUuid)
      .all<{ sequence: number }>();
    expect(rows.results.map((row) => row.sequence)).toEqual([2, 3, 4]);
  });
});
