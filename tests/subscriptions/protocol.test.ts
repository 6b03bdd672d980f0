/**
 * The graphql-ws protocol through the orchestrator, with the real schema and keys: each close code
 * for its cause (graphql-ws's PROTOCOL.md), and what does not close the socket. The real client is
 * used wherever it can produce the cause; a raw socket sends what it never would.
 */
import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { revokeApiKey } from '../../operations/api-keys';
import { gql, keyFor } from '../helpers/graphql';
import { connectToOrchestrator } from '../event-hub/sockets';
import { cancel, heldRun } from './held-runs';
import { dashboard, disconnectAll, INIT_TIMEOUT_MS } from './helpers';
import { within } from './live';

afterEach(disconnectAll);

const WATCH = 'subscription { healthCheckUpdated { type } }';

describe('close codes', () => {
  it.each([
    ['an unknown key', { authorization: 'Bearer wh_not_a_key' }],
    ['a malformed authorization', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['no authorization at all', {}],
  ])('4403 Forbidden for %s in connection_init', async (_name, connectionParams) => {
    const watcher = dashboard(null, { connectionParams });
    await expect(watcher.connected).rejects.toMatchObject({ code: 4403, reason: 'Forbidden' });
  });

  it('4403 Forbidden for a revoked key', async () => {
    const key = await keyFor('viewer', 'revoked-dashboard');
    // Revoked in D1 only, with no socket to close: the next connection_init must be refused.
    await revokeApiKey({ db: createDb(env.DB), disconnectKey: async () => {} }, 'revoked-dashboard');
    await expect(dashboard(key).connected).rejects.toMatchObject({ code: 4403 });
  });

  it('4403 at once for open sockets of a key revoked through the API, and only those', async () => {
    const doomed = dashboard(await keyFor('viewer', 'soon-revoked'));
    const other = dashboard(await keyFor('viewer'));
    await Promise.all([doomed.connected, other.connected]);
    const otherUpdates = other.subscribe<{ healthCheckUpdated: { type: string } }>(WATCH);
    doomed.subscribe(WATCH);
    await Promise.all([doomed.settled(), other.settled()]);

    const revoked = await gql('mutation { revokeApiKey(name: "soon-revoked") { name } }');
    expect(revoked.errors).toBeUndefined();
    expect(await within(doomed.closed, 'the revoked socket to close')).toEqual({ code: 4403, reason: 'Forbidden: the API key was revoked' });

    // The other dashboard carries on.
    await cancel(await heldRun());
    expect((await otherUpdates.next()).data!.healthCheckUpdated.type).toBe('WORKER_RESULT');
  });

  it('4408 when connection_init does not come in time', async () => {
    // The client waits for its connection params before it sends connection_init; these never come.
    const started = Date.now();
    const watcher = dashboard(null, { connectionParams: () => new Promise(() => {}) });
    expect(await within(watcher.closed, 'the init timeout', INIT_TIMEOUT_MS + 5000)).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(INIT_TIMEOUT_MS - 50);
  });

  it('4401 for a subscribe before connection_init', async () => {
    const socket = await connectToOrchestrator();
    socket.send({ id: '1', type: 'subscribe', payload: { query: WATCH } });
    expect(await socket.closed).toEqual({ code: 4401, reason: 'Unauthorized' });
  });

  it('4429 for a second connection_init', async () => {
    const socket = await connectToOrchestrator();
    const init = { type: 'connection_init', payload: { authorization: `Bearer ${await keyFor('viewer')}` } };
    socket.send(init);
    expect(await socket.next()).toEqual({ type: 'connection_ack' });
    socket.send(init);
    expect(await socket.closed).toEqual({ code: 4429, reason: 'Too many initialisation requests' });
  });

  it('4409 for a second subscribe with an operation id in use', async () => {
    const socket = await connectToOrchestrator();
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${await keyFor('viewer')}` } });
    expect(await socket.next()).toEqual({ type: 'connection_ack' });
    socket.send({ id: 'dup', type: 'subscribe', payload: { query: WATCH } });
    socket.send({ id: 'dup', type: 'subscribe', payload: { query: WATCH } });
    expect(await socket.closed).toEqual({ code: 4409, reason: 'Subscriber for dup already exists' });
  });

  it.each([
    ['bad JSON', '{"type":', 'Message is not valid JSON'],
    ['an unknown message type', { type: 'start', id: '1' }, 'Unknown message type "start"'],
    ['a server-only message', { type: 'next', id: '1', payload: {} }, '"next" is a server-to-client message'],
    ['a subscribe without an id', { type: 'subscribe', payload: { query: WATCH } }, '"subscribe" requires a non-empty string \'id\''],
  ])('4400 for %s', async (_name, frame, reason) => {
    const socket = await connectToOrchestrator();
    socket.send(frame);
    expect(await socket.closed).toEqual({ code: 4400, reason });
  });
});

describe('what keeps the socket open', () => {
  it('answers an invalid document with an error for that operation only', async () => {
    const run = await heldRun();
    const watcher = dashboard(await keyFor('viewer'));
    const good = watcher.subscribe<{ healthCheckUpdated: { type: string } }>(WATCH);
    const unknownField = watcher.subscribe('subscription { healthCheckUpdated { colour } }');
    const syntax = watcher.subscribe('subscription { healthCheckUpdated { type }');
    const query = watcher.subscribe('{ workers { name } }');
    const missingVariable = watcher.subscribe('subscription ($uuid: ID!) { healthCheckUpdated(uuid: $uuid) { type } }');

    expect(await unknownField.failed).toEqual([expect.objectContaining({ message: 'Cannot query field "colour" on type "HealthCheckEvent".', extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' } })]);
    expect(await syntax.failed).toEqual([expect.objectContaining({ message: 'Syntax Error: Expected Name, found <EOF>.', extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' } })]);
    expect(await query.failed).toEqual([{ message: 'Only subscriptions are served over WebSocket; send query operations to POST /graphql', extensions: { code: 'BAD_USER_INPUT' } }]);
    expect(await missingVariable.failed).toEqual([expect.objectContaining({ message: expect.stringMatching(/Variable "\$uuid" of required type "ID!" was not provided/), extensions: { code: 'BAD_USER_INPUT' } })]);

    // The socket and its good subscription carry on.
    await cancel(run);
    expect(await good.next()).toEqual({ data: { healthCheckUpdated: { type: 'WORKER_RESULT' } } });
    expect(await good.next()).toEqual({ data: { healthCheckUpdated: { type: 'COMPLETED' } } });
  });

  it('answers a subscription sent over HTTP with where to send it', async () => {
    const response = await gql(WATCH);
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^Subscriptions are served over WebSocket: connect to \/graphql with the graphql-transport-ws subprotocol/),
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    ]);
  });

  it('refuses an upgrade without the graphql-transport-ws subprotocol, and leaves other requests to Yoga', async () => {
    const legacy = await exports.default.fetch('http://orchestrator/graphql', { headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'graphql-ws' } });
    expect(legacy.status).toBe(400);
    expect(await legacy.text()).toMatch(/expected graphql-transport-ws \(the graphql-ws protocol\), got graphql-ws/);
    const get = await exports.default.fetch('http://orchestrator/graphql?query=%7B__typename%7D', { headers: { authorization: `Bearer ${await keyFor('viewer')}` } });
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
