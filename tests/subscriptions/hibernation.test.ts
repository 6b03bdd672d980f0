/**
 * A connection outlives its hub object: the hub keeps each socket's whole state in the socket's
 * attachment, so evicting every shard mid-subscription (what hibernation does between events)
 * loses nothing, and the next event arrives as if nothing happened.
 */
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { keyFor } from '../helpers/graphql';
import { cancel, heldRun, report } from './held-runs';
import { dashboard, disconnectAll, SHARDS, shardStub } from './helpers';

afterEach(disconnectAll);

const BY_RUN = 'subscription ($uuid: ID!) { healthCheckUpdated(uuid: $uuid) { type workerResult { workerName status } healthCheck { completedWorkers status } } }';

describe('a subscription across hub evictions', () => {
  it('still delivers the next events after every shard is evicted mid-run', async () => {
    const run = await heldRun(2);
    const watcher = dashboard(await keyFor('viewer'));
    const updates = watcher.subscribe(BY_RUN, { uuid: run.healthCheckUuid });
    await watcher.settled();

    // The run was going when the dashboard came: its STARTED first, from D1.
    expect(await updates.next()).toEqual({ data: { healthCheckUpdated: { type: 'STARTED', workerResult: null, healthCheck: { completedWorkers: 0, status: 'RUNNING' } } } });
    await report(run, 0);
    expect(await updates.next()).toEqual({
      data: { healthCheckUpdated: { type: 'WORKER_RESULT', workerResult: { workerName: 'agent-factory', status: 'COMPLETED' }, healthCheck: { completedWorkers: 1, status: 'RUNNING' } } },
    });

    // A marker in each instance's memory shows the objects really are new after the eviction.
    const marked = Array.from({ length: SHARDS }, (_, index) => runInDurableObject(shardStub(index), (hub) => Object.assign(hub, { marker: true })));
    await Promise.all(marked);
    for (let index = 0; index < SHARDS; index++) await evictDurableObject(shardStub(index));
    for (let index = 0; index < SHARDS; index++) {
      expect(await runInDurableObject(shardStub(index), (hub) => 'marker' in hub)).toBe(false);
    }

    await report(run, 1);
    expect(await updates.next()).toEqual({
      data: { healthCheckUpdated: { type: 'WORKER_RESULT', workerResult: { workerName: 'data-factory', status: 'COMPLETED' }, healthCheck: { completedWorkers: 2, status: 'RUNNING' } } },
    });
    await cancel(run);
    expect(await updates.next()).toEqual({ data: { healthCheckUpdated: { type: 'COMPLETED', workerResult: null, healthCheck: { completedWorkers: 2, status: 'CANCELLED' } } } });
  });

  it('keeps the connection acknowledged: a new subscribe after eviction needs no second init', async () => {
    const run = await heldRun();
    const watcher = dashboard(await keyFor('viewer'));
    await watcher.connected;
    for (let index = 0; index < SHARDS; index++) await evictDurableObject(shardStub(index));
    const updates = watcher.subscribe('subscription { healthCheckCompleted { uuid } }');
    await watcher.settled();
    await cancel(run);
    expect(await updates.next()).toEqual({ data: { healthCheckCompleted: { uuid: run.healthCheckUuid } } });
  });
});
