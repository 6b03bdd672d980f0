import { describe, expect, it, vi } from 'vitest';
import { estimateSerializedBytes, initialConnectionState, type ConnectionState } from '../../durable/graphql-ws/connection-state';
import { DEFAULT_HUB_LIMITS } from '../../durable/graphql-ws/limits';
import { CloseCode, MessageType } from 'graphql-ws';
import { handleClientFrame, handleClientMessage, refuseUnstorableState } from '../../durable/graphql-ws/reducer';
import { COMPLETED, deps, frame, readyState, T0, UPDATED, updatedSub } from './helpers';

const init = (authorization?: unknown) => frame({ type: 'connection_init', payload: authorization === undefined ? undefined : { authorization } });
const subscribe = (id: string, query = UPDATED, variables: Record<string, unknown> | null = null) =>
  frame({ id, type: 'subscribe', payload: { query, variables } });

async function ready(role = 'Bearer viewer-key'): Promise<ConnectionState> {
  const { state, close } = await handleClientFrame(initialConnectionState(T0), init(role), deps());
  expect(close).toBeUndefined();
  return state;
}

describe('connection_init', () => {
  it('acknowledges a viewer key and stores who it is', async () => {
    const authenticate = vi.fn(async () => ({ role: 'viewer' as const, keyName: 'dashboard', extra: 'not stored' }));
    const result = await handleClientFrame(initialConnectionState(T0), init('Bearer viewer-key'), deps({ authenticate }));
    expect(authenticate).toHaveBeenCalledWith('Bearer viewer-key');
    expect(result.send).toEqual([{ type: 'connection_ack' }]);
    expect(result.close).toBeUndefined();
    expect(result.state).toEqual({ phase: 'ready', connectedAt: T0, auth: { role: 'viewer', keyName: 'dashboard' }, subscriptions: {} });
  });

  it.each(['Bearer operator-key', 'Bearer admin-key'])('acknowledges roles above viewer (%s)', async (key) => {
    const result = await handleClientFrame(initialConnectionState(T0), init(key), deps());
    expect(result.send).toEqual([{ type: 'connection_ack' }]);
  });

  it('accepts the capitalised Authorization many clients send', async () => {
    const result = await handleClientFrame(
      initialConnectionState(T0),
      frame({ type: 'connection_init', payload: { Authorization: 'Bearer viewer-key' } }),
      deps(),
    );
    expect(result.state.phase).toBe('ready');
  });

  it.each([
    ['an unknown key', 'Bearer nobody'],
    ['no payload', undefined],
    ['an empty authorization', ''],
    ['a non-string authorization', 42],
  ])('closes 4403 Forbidden for %s', async (_name, authorization) => {
    const before = initialConnectionState(T0);
    const result = await handleClientFrame(before, init(authorization), deps());
    expect(result.close).toEqual({ code: CloseCode.Forbidden, reason: 'Forbidden' });
    expect(result.send).toEqual([]);
    expect(result.state).toBe(before);
  });

  it('closes 4403 when the key has no role the hub knows', async () => {
    const authenticate = async () => ({ role: 'guest', keyName: 'x' }) as never;
    const result = await handleClientFrame(initialConnectionState(T0), init('Bearer x'), deps({ authenticate }));
    expect(result.close?.code).toBe(CloseCode.Forbidden);
  });

  it('closes 4500 when authentication itself fails', async () => {
    const authenticate = async () => {
      throw new Error('D1 is down');
    };
    const result = await handleClientFrame(initialConnectionState(T0), init('Bearer viewer-key'), deps({ authenticate }));
    expect(result.close).toEqual({ code: CloseCode.InternalServerError, reason: 'Internal server error' });
  });

  it('closes 4429 on a second connection_init, without authenticating again', async () => {
    const state = await ready();
    const authenticate = vi.fn(async () => null);
    const result = await handleClientFrame(state, init('Bearer viewer-key'), deps({ authenticate }));
    expect(result.close).toEqual({ code: CloseCode.TooManyInitialisationRequests, reason: 'Too many initialisation requests' });
    expect(authenticate).not.toHaveBeenCalled();
  });
});

describe('ping and pong', () => {
  it('answers a ping with a pong, before and after init, echoing the payload', async () => {
    const before = initialConnectionState(T0);
    expect(await handleClientFrame(before, '{"type":"ping"}', deps())).toEqual({ state: before, send: [{ type: 'pong' }] });
    const after = await ready();
    expect(await handleClientFrame(after, '{"type":"ping","payload":{"n":1}}', deps())).toEqual({
      state: after,
      send: [{ type: 'pong', payload: { n: 1 } }],
    });
  });

  it('ignores a pong (an unsolicited heartbeat is allowed)', async () => {
    const state = await ready();
    expect(await handleClientFrame(state, '{"type":"pong"}', deps())).toEqual({ state, send: [] });
  });
});

describe('subscribe', () => {
  it('closes 4401 Unauthorized before the connection is acknowledged', async () => {
    const validate = vi.fn();
    const result = await handleClientFrame(initialConnectionState(T0), subscribe('1'), deps({ validate }));
    expect(result.close).toEqual({ code: CloseCode.Unauthorized, reason: 'Unauthorized' });
    expect(validate).not.toHaveBeenCalled();
  });

  it('stores a valid subscription with its field, args and compacted document, and sends nothing yet', async () => {
    const state = await ready();
    const query = `
      subscription Watch($uuid: ID) {
        healthCheckUpdated(uuid: $uuid) { type }
      }`;
    const result = await handleClientFrame(state, frame({ id: 'a', type: 'subscribe', payload: { query, variables: { uuid: 'hc-1' }, operationName: 'Watch' } }), deps());
    expect(result.send).toEqual([]);
    expect(result.close).toBeUndefined();
    expect(result.state.subscriptions).toEqual({
      a: {
        query: 'subscription Watch($uuid:ID){healthCheckUpdated(uuid:$uuid){type}}',
        variables: { uuid: 'hc-1' },
        operationName: 'Watch',
        field: 'healthCheckUpdated',
        args: { uuid: 'hc-1' },
      },
    });
    expect(state.subscriptions).toEqual({}); // the previous state is not mutated
  });

  it('passes the connection auth to validate', async () => {
    const state = await ready('Bearer operator-key');
    const validate = vi.fn(() => ({ field: 'healthCheckCompleted', args: {} }));
    await handleClientFrame(state, subscribe('1', COMPLETED), deps({ validate }));
    expect(validate).toHaveBeenCalledWith({ query: COMPLETED, variables: null, operationName: null, auth: { role: 'operator', keyName: 'ops' } });
  });

  it('closes 4409 when the id is already subscribed', async () => {
    const state = readyState('viewer', { a: updatedSub() });
    const result = await handleClientFrame(state, subscribe('a'), deps());
    expect(result.close).toEqual({ code: CloseCode.SubscriberAlreadyExists, reason: 'Subscriber for a already exists' });
  });

  it('keeps the 4409 reason inside a close frame for a very long id', async () => {
    const id = 'x'.repeat(200);
    const state = readyState('viewer', { [id]: updatedSub() });
    const result = await handleClientFrame(state, subscribe(id), deps());
    expect(result.close).toEqual({ code: 4409, reason: 'Subscriber already exists' });
  });

  it('sends an error for an invalid document and keeps the socket and its state', async () => {
    const state = readyState('viewer', { a: updatedSub() });
    const result = await handleClientFrame(state, subscribe('b', 'subscription { nope }'), deps());
    expect(result.close).toBeUndefined();
    expect(result.state).toBe(state);
    expect(result.send).toEqual([
      { type: 'error', id: 'b', payload: [{ message: 'Cannot query field "nope" on type "Subscription".', extensions: { code: 'BAD_USER_INPUT' } }] },
    ]);
    // the id was never active, so the client may use it again
    const retry = await handleClientFrame(result.state, subscribe('b'), deps());
    expect(retry.state.subscriptions.b?.field).toBe('healthCheckUpdated');
  });

  it('masks a validator that throws as an INTERNAL_SERVER_ERROR for that operation only', async () => {
    const state = await ready();
    const validate = () => {
      throw new Error('secret stack');
    };
    const result = await handleClientFrame(state, subscribe('1'), deps({ validate }));
    expect(result).toEqual({
      state,
      send: [{ type: 'error', id: '1', payload: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }],
    });
  });

  it('never sends an error message with an empty payload', async () => {
    const state = await ready();
    const result = await handleClientFrame(state, subscribe('1'), deps({ validate: () => ({ errors: [] }) }));
    expect(result.send[0]).toMatchObject({ type: 'error', id: '1', payload: [{ extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  });

  it('caps subscriptions per socket with an error for the extra one', async () => {
    const limits = { ...DEFAULT_HUB_LIMITS, maxSubscriptionsPerSocket: 2 };
    let state = await ready();
    for (const id of ['1', '2']) state = (await handleClientFrame(state, subscribe(id), deps({ limits }))).state;
    const result = await handleClientFrame(state, subscribe('3'), deps({ limits }));
    expect(result.close).toBeUndefined();
    expect(result.state).toBe(state);
    expect(result.send).toEqual([
      {
        type: 'error',
        id: '3',
        payload: [
          {
            message: 'Too many subscriptions on this connection (at most 2); complete one or open another connection',
            extensions: { code: 'BAD_USER_INPUT', limit: 2 },
          },
        ],
      },
    ]);
    // completing one makes room again
    const completed = await handleClientFrame(state, frame({ id: '1', type: 'complete' }), deps({ limits }));
    expect((await handleClientFrame(completed.state, subscribe('3'), deps({ limits }))).state.subscriptions['3']).toBeDefined();
  });

  it('refuses a document over the size cap before validating it', async () => {
    const limits = { ...DEFAULT_HUB_LIMITS, maxDocumentBytes: 100 };
    const validate = vi.fn();
    const state = await ready();
    const query = `subscription { healthCheckCompleted { uuid ${'status '.repeat(20)}} }`;
    const result = await handleClientFrame(state, subscribe('1', query), deps({ limits, validate }));
    expect(validate).not.toHaveBeenCalled();
    expect(result.state).toBe(state);
    expect(result.send).toEqual([
      {
        type: 'error',
        id: '1',
        payload: [{ message: expect.stringMatching(/^Subscription document is too large: \d+ bytes with its variables \(at most 100\)$/), extensions: { code: 'BAD_USER_INPUT', limit: 100 } }],
      },
    ]);
  });

  it('counts the variables toward the document size', async () => {
    const limits = { ...DEFAULT_HUB_LIMITS, maxDocumentBytes: UPDATED.length + 10 };
    const state = await ready();
    const small = await handleClientFrame(state, subscribe('1', UPDATED, null), deps({ limits }));
    expect(small.send).toEqual([]);
    const big = await handleClientFrame(state, subscribe('1', UPDATED, { uuid: 'x'.repeat(50) }), deps({ limits }));
    expect(big.send[0]).toMatchObject({ type: 'error', payload: [{ message: expect.stringMatching(/too large/) }] });
  });

  it('keeps the whole connection state within the attachment budget', async () => {
    const limits = { ...DEFAULT_HUB_LIMITS, maxAttachmentBytes: 1000, maxDocumentBytes: 400 };
    let state = await ready();
    let refused;
    for (let i = 0; i < 20 && !refused; i++) {
      const result = await handleClientFrame(state, subscribe(`op-${i}`, UPDATED, { uuid: `${i}`.padStart(36, '0') }), deps({ limits }));
      if (result.send.length) refused = { i, result };
      state = result.state;
    }
    expect(refused).toBeDefined();
    expect(refused!.result.send[0]).toMatchObject({
      type: 'error',
      id: `op-${refused!.i}`,
      payload: [{ message: expect.stringMatching(/exceed the 1000-byte state kept per connection/), extensions: { code: 'BAD_USER_INPUT', limit: 1000 } }],
    });
    expect(estimateSerializedBytes(state)).toBeLessThanOrEqual(1000);
    expect(Object.keys(state.subscriptions)).toHaveLength(refused!.i);
  });
});

describe('complete', () => {
  it('removes the subscription', async () => {
    const state = readyState('viewer', { a: updatedSub(), b: updatedSub('hc-1') });
    const result = await handleClientFrame(state, frame({ id: 'a', type: 'complete' }), deps());
    expect(result).toEqual({ state: { ...state, subscriptions: { b: updatedSub('hc-1') } }, send: [] });
  });

  it('ignores an unknown or already completed id, returning the same state', async () => {
    const state = readyState('viewer', { a: updatedSub() });
    expect(await handleClientFrame(state, frame({ id: 'zzz', type: 'complete' }), deps())).toEqual({ state, send: [] });
    expect((await handleClientFrame(state, frame({ id: 'zzz', type: 'complete' }), deps())).state).toBe(state);
  });

  it('lets the client reuse an id once completed', async () => {
    let state = readyState('viewer', { a: updatedSub() });
    state = (await handleClientFrame(state, frame({ id: 'a', type: 'complete' }), deps())).state;
    const result = await handleClientFrame(state, subscribe('a', COMPLETED), deps());
    expect(result.close).toBeUndefined();
    expect(result.state.subscriptions.a?.field).toBe('healthCheckCompleted');
  });

  it('does not treat a prototype key as a subscription', async () => {
    const state = readyState();
    expect((await handleClientFrame(state, frame({ id: 'toString', type: 'complete' }), deps())).state).toBe(state);
    expect((await handleClientFrame(state, subscribe('__proto__'), deps())).state.subscriptions).toHaveProperty(['__proto__']);
  });
});

describe('invalid frames', () => {
  it('closes 4400 with the parse reason and does not touch the state', async () => {
    const state = await ready();
    expect(await handleClientFrame(state, 'not json', deps())).toEqual({ state, send: [], close: { code: 4400, reason: 'Message is not valid JSON' } });
    expect((await handleClientFrame(state, new ArrayBuffer(4), deps())).close?.code).toBe(4400);
  });

  it('handleClientMessage takes an already parsed message', async () => {
    const state = await ready();
    expect(await handleClientMessage(state, { type: MessageType.Ping, payload: null }, deps())).toEqual({ state, send: [{ type: 'pong' }] });
  });
});

describe('refuseUnstorableState', () => {
  it('answers the subscribe that could not be stored with an error for its id, keeping the stored state', async () => {
    const before = await ready();
    const after = (await handleClientFrame(before, subscribe('big'), deps())).state;
    expect(refuseUnstorableState(before, after)).toEqual({
      state: before,
      send: [
        {
          type: 'error',
          id: 'big',
          payload: [
            {
              message: "This connection's subscriptions are too large to keep; complete some subscriptions or open another connection",
              extensions: { code: 'BAD_USER_INPUT' },
            },
          ],
        },
      ],
    });
  });

  it('closes with 4500 when no subscription was added (the failure is ours)', async () => {
    const before = initialConnectionState(0);
    const after = (await handleClientFrame(before, init('Bearer viewer-key'), deps())).state;
    expect(refuseUnstorableState(before, after)).toEqual({ state: before, send: [], close: { code: 4500, reason: 'Internal server error' } });
  });
});
