/** Who gets which event, with runs held open and moved by the real pipeline (held-runs.ts). */
import { afterEach, describe, expect, it } from 'vitest';
import { keyFor } from '../helpers/graphql';
import { cancel, heldRun, report } from './held-runs';
import { dashboard, disconnectAll, hubsDrained } from './helpers';

afterEach(disconnectAll);

const BY_RUN = 'subscription ($uuid: ID) { healthCheckUpdated(uuid: $uuid) { type healthCheck { uuid } workerResult { workerName } } }';

describe('which subscriptions an event reaches', () => {
  it('gives two dashboards watching different runs only their own run', async () => {
    const [a, b] = [await heldRun(), await heldRun()];
    const key = await keyFor('viewer');
    const [watchA, watchB] = [dashboard(key), dashboard(key)];
    const updatesA = watchA.subscribe(BY_RUN, { uuid: a.healthCheckUuid });
    const updatesB = watchB.subscribe(BY_RUN, { uuid: b.healthCheckUuid });
    await Promise.all([watchA.settled(), watchB.settled()]);

    await report(a);
    await report(b);
    await cancel(b);
    await cancel(a);

    // Each run's story: its STARTED (from D1: the run was going when the dashboard came), then live.
    const own = (uuid: string) => [
      { data: { healthCheckUpdated: { type: 'STARTED', healthCheck: { uuid }, workerResult: null } } },
      { data: { healthCheckUpdated: { type: 'WORKER_RESULT', healthCheck: { uuid }, workerResult: { workerName: 'agent-factory' } } } },
      { data: { healthCheckUpdated: { type: 'COMPLETED', healthCheck: { uuid }, workerResult: null } } },
    ];
    expect([await updatesA.next(), await updatesA.next(), await updatesA.next()]).toEqual(own(a.healthCheckUuid));
    expect([await updatesB.next(), await updatesB.next(), await updatesB.next()]).toEqual(own(b.healthCheckUuid));
    // Everything published has been sent, and has arrived before the fences' answers: nothing else came.
    await hubsDrained();
    await Promise.all([watchA.settled(), watchB.settled()]);
    expect(updatesA.results).toHaveLength(3);
    expect(updatesB.results).toHaveLength(3);
  });

  it('gives a dashboard without a uuid every run, and healthCheckCompleted only the ends', async () => {
    const [a, b] = [await heldRun(), await heldRun()];
    const watcher = dashboard(await keyFor('viewer'));
    const everything = watcher.subscribe<{ healthCheckUpdated: { type: string; healthCheck: { uuid: string } } }>(
      'subscription { healthCheckUpdated { type healthCheck { uuid } } }',
    );
    const ends = watcher.subscribe<{ healthCheckCompleted: { uuid: string; status: string } }>('subscription { healthCheckCompleted { uuid status } }');
    await watcher.settled();

    await report(a);
    await cancel(a);
    await cancel(b);
    await hubsDrained();
    await watcher.settled();

    expect(everything.results.map((r) => [r.data!.healthCheckUpdated.type, r.data!.healthCheckUpdated.healthCheck.uuid])).toEqual([
      ['WORKER_RESULT', a.healthCheckUuid],
      ['COMPLETED', a.healthCheckUuid],
      // b's worker had not reported: the cancel ends it, and says so, before b ends.
      ['WORKER_RESULT', b.healthCheckUuid],
      ['COMPLETED', b.healthCheckUuid],
    ]);
    expect(ends.results).toEqual([
      { data: { healthCheckCompleted: { uuid: a.healthCheckUuid, status: 'CANCELLED' } } },
      { data: { healthCheckCompleted: { uuid: b.healthCheckUuid, status: 'CANCELLED' } } },
    ]);
  });

  it('stops after the client completes the operation', async () => {
    const a = await heldRun();
    const watcher = dashboard(await keyFor('viewer'));
    const updates = watcher.subscribe(BY_RUN, { uuid: a.healthCheckUuid });
    await watcher.settled();
    await report(a);
    await updates.next(); // STARTED, from D1
    await updates.next(); // the result
    updates.stop();
    await watcher.settled();
    await cancel(a);
    await hubsDrained();
    await watcher.settled();
    expect(updates.results).toHaveLength(2);
  });
});
