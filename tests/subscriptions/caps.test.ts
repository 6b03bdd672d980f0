/**
 * The caps, as a client meets them (the limits here are vitest.config.ts's small ones): a
 * subscription beyond the per-socket cap is refused with an error and the socket stays; a socket
 * beyond every shard's cap is refused at the upgrade with 503, and a publish reaches every shard.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyFor } from '../helpers/graphql';
import { cancel, heldRun } from './held-runs';
import { dashboard, disconnectAll, hubOccupancy, hubsEmptied, MAX_SOCKETS, MAX_SUBSCRIPTIONS, SHARDS } from './helpers';

beforeEach(() => hubsEmptied());
afterEach(disconnectAll);

const ENDS = 'subscription { healthCheckCompleted { uuid } }';

describe('subscriptions per socket', () => {
  it(`refuses the subscription beyond ${MAX_SUBSCRIPTIONS} with an error naming the cap, and keeps the socket and the others`, async () => {
    const run = await heldRun();
    const watcher = dashboard(await keyFor('viewer'));
    const kept = Array.from({ length: MAX_SUBSCRIPTIONS }, () => watcher.subscribe(ENDS));
    const extra = watcher.subscribe(ENDS);
    expect(await extra.failed).toEqual([
      {
        message: `Too many subscriptions on this connection (at most ${MAX_SUBSCRIPTIONS}); complete one or open another connection`,
        extensions: { code: 'BAD_USER_INPUT', limit: MAX_SUBSCRIPTIONS },
      },
    ]);

    // Completing one frees its slot.
    kept.pop()!.stop();
    const replacement = watcher.subscribe(ENDS);
    await cancel(run);
    for (const subscription of [...kept, replacement]) expect(await subscription.next()).toEqual({ data: { healthCheckCompleted: { uuid: run.healthCheckUuid } } });
  });
});

describe('sockets per hub', () => {
  it(`fills ${SHARDS} shards of ${MAX_SOCKETS}, refuses the next socket with 503, and publishes to every shard`, async () => {
    const run = await heldRun();
    const key = await keyFor('viewer');
    // Client ids pin sockets to shards; each shard passes the ones it cannot take to the next.
    const watchers = Array.from({ length: SHARDS * MAX_SOCKETS }, (_, i) => dashboard(key, { clientId: `wall-${i}` }));
    await Promise.all(watchers.map((watcher) => watcher.connected));
    expect(await hubOccupancy()).toEqual(Array.from({ length: SHARDS }, () => ({ sockets: MAX_SOCKETS, subscriptions: 0 })));

    const refused = dashboard(key, { clientId: 'one-too-many' });
    await expect(refused.connected).rejects.toEqual({ code: 1006, reason: `503 This subscription hub is full (${MAX_SOCKETS} connections); try again later` });

    const subscriptions = watchers.map((watcher) => watcher.subscribe(ENDS));
    await Promise.all(watchers.map((watcher) => watcher.settled()));
    await cancel(run);
    for (const subscription of subscriptions) expect(await subscription.next()).toEqual({ data: { healthCheckCompleted: { uuid: run.healthCheckUuid } } });
  });

  it('takes a new socket again once one leaves', async () => {
    const key = await keyFor('viewer');
    const watchers = Array.from({ length: SHARDS * MAX_SOCKETS }, () => dashboard(key));
    await Promise.all(watchers.map((watcher) => watcher.connected));
    await watchers[0]!.dispose();
    for (let attempt = 0; ; attempt++) {
      const occupancy = await hubOccupancy();
      if (occupancy.reduce((sum, shard) => sum + shard.sockets, 0) < SHARDS * MAX_SOCKETS) break;
      if (attempt > 100) throw new Error('the closed socket never left its hub');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await dashboard(key).connected;
  });
});
