/**
 * Anonymous sockets against `wrangler dev` (4 shards, 100 sockets awaiting connection_init each,
 * the defaults): 400 sockets held open without ever sending connection_init fill every shard's
 * cap, and a client with a key still connects, subscribes and gets its run; the anonymous socket
 * closed to make room gets its 4408 close. Node's WebSocket and the real graphql-ws client.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { live, within, type LiveClient } from '../subscriptions/live';

const baseUrl = inject('baseUrl');
const adminKey = inject('adminKey');
const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/graphql`;
const ANONYMOUS = 400;
/** How long a socket must have waited for connection_init before it may make room (limits.ts). */
const GRACE_MS = 1000;

interface Anonymous {
  socket: WebSocket;
  opened: Promise<boolean>;
  closed: Promise<{ code: number; reason: string }>;
}

function anonymous(): Anonymous {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const opened = new Promise<boolean>((resolve) => {
    socket.addEventListener('open', () => resolve(true));
    socket.addEventListener('error', () => resolve(false));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })));
  return { socket, opened, closed };
}

const held: Anonymous[] = [];
const clients: LiveClient[] = [];

afterAll(async () => {
  for (const { socket } of held) socket.close(1000, 'test over');
  await Promise.allSettled(clients.map((client) => client.dispose()));
});

describe(`${ANONYMOUS} sockets that never send connection_init`, () => {
  it('do not keep a client with a key out', async () => {
    for (let i = 0; i < ANONYMOUS; i++) held.push(anonymous());
    const opened = await Promise.all(held.map((socket) => socket.opened));
    expect(opened.filter(Boolean).length).toBeGreaterThanOrEqual(ANONYMOUS - 10); // (other files' dashboards share the shards)
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 500));

    const watcher = live(adminKey, { url: wsUrl, webSocketImpl: WebSocket });
    clients.push(watcher);
    await within(watcher.connected, 'connection_ack for the keyed client');
    const completions = watcher.subscribe<{ healthCheckCompleted: { uuid: string } }>('subscription { healthCheckCompleted { uuid } }');
    await watcher.settled();
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ query: 'mutation { initiateHealthCheck(input: { workerFilters: ["agent-factory"], triggerSource: "e2e-lockout" }) { healthCheckUuid } }' }),
    });
    const uuid = ((await response.json()) as { data: { initiateHealthCheck: { healthCheckUuid: string } } }).data.initiateHealthCheck.healthCheckUuid;
    for (;;) if ((await completions.next()).data!.healthCheckCompleted.uuid === uuid) break;

    // An anonymous socket made room for it: closed with 4408, and its close did arrive.
    const first = await within(
      Promise.race(held.map((socket) => socket.closed)),
      'the close of the anonymous socket that made room',
      30_000,
    );
    expect(first).toEqual({ code: 4408, reason: expect.stringMatching(/^Connection initialisation timeout/) });
  });
});
