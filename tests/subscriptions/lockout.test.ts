/**
 * Sockets that never send `connection_init` cannot keep a client with a key out: however many are
 * held open, a hub at a cap closes the one that has waited longest (4408) to take the newcomer.
 * Through the Worker's router and both hub shards (vitest.config.ts: 2 shards of 3 sockets).
 */
import { runInDurableObject } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubLimits } from '../../durable/graphql-ws/limits';
import { keyFor } from '../helpers/graphql';
import { rawClient, sleep, upgradeHeaders, type RawClient } from '../event-hub/sockets';
import { cancel, heldRun } from './held-runs';
import { dashboard, disconnectAll, hubsEmptied, MAX_SOCKETS, SHARDS, shardStub } from './helpers';
import { within } from './live';

const EVICTED = { code: 4408, reason: 'Connection initialisation timeout: the hub needed room for a new connection' };

let graceMs = 0;

beforeEach(async () => {
  await hubsEmptied();
  // Anonymous sockets here are held open for the whole test: the shards' init timeout (1 s in
  // vitest.config.ts) is lengthened on the instances, so only making room can close them.
  const graces = await Promise.all(
    Array.from({ length: SHARDS }, (_, index) =>
      runInDurableObject(shardStub(index), (instance) => {
        const hub = instance as unknown as { limits: HubLimits };
        hub.limits = { ...hub.limits, initTimeoutMs: 60_000 };
        return hub.limits.evictPendingAfterMs;
      }),
    ),
  );
  graceMs = Math.max(...graces);
});
afterEach(disconnectAll);

/** Tries `attempts` upgrades that never send connection_init; returns the sockets that were taken. */
async function anonymous(attempts: number): Promise<{ sockets: RawClient[]; refused: number }> {
  const sockets: RawClient[] = [];
  let refused = 0;
  for (let i = 0; i < attempts; i++) {
    const response = await exports.default.fetch('http://orchestrator/graphql', { headers: upgradeHeaders });
    if (response.webSocket) sockets.push(rawClient(response.webSocket));
    else {
      expect(response.status).toBe(503);
      refused++;
    }
  }
  return { sockets, refused };
}

describe('anonymous sockets and a client with a key', () => {
  it(`with every shard full of sockets held open without connection_init (and ${SHARDS * MAX_SOCKETS + 20} tried), a keyed client still connects, subscribes and gets its run`, async () => {
    const held = await anonymous(SHARDS * MAX_SOCKETS + 20);
    expect(held.sockets).toHaveLength(SHARDS * MAX_SOCKETS); // every place taken; the rest refused while just connected
    await sleep(graceMs + 100); // held open past the grace a real client's init never needs

    const run = await heldRun();
    const watcher = dashboard(await keyFor('viewer'));
    await within(watcher.connected, 'connection_ack for the keyed client');
    const updates = watcher.subscribe<{ healthCheckUpdated: { type: string } }>('subscription ($uuid: ID) { healthCheckUpdated(uuid: $uuid) { type } }', {
      uuid: run.healthCheckUuid,
    });
    await cancel(run);
    const types: string[] = [];
    while (types.at(-1) !== 'COMPLETED') types.push((await updates.next()).data!.healthCheckUpdated.type);
    expect(types).toEqual(['STARTED', 'WORKER_RESULT', 'COMPLETED']);

    // Its place was made by closing an anonymous socket, whose close arrived.
    const closes = await Promise.all(held.sockets.map((socket) => Promise.race([socket.closed, sleep(200).then(() => null)])));
    expect(closes.filter((close) => close !== null)).toEqual([EVICTED]);
  });

  it('closes the socket that waited longest, and the client sees the 4408 close', async () => {
    const { sockets } = await anonymous(SHARDS * MAX_SOCKETS);
    await sleep(graceMs + 100);
    const newcomers = await anonymous(SHARDS); // one more per shard, each taking the oldest's place
    expect(newcomers.sockets).toHaveLength(SHARDS);
    const closes = await Promise.all(sockets.map((socket) => Promise.race([socket.closed, sleep(300).then(() => null)])));
    expect(closes.filter((close) => close !== null)).toEqual(Array.from({ length: SHARDS }, () => EVICTED));
    // the newest of the old ones are still there (a ping is answered before connection_init too)
    await sockets.at(-1)!.quiet();
  });
});
