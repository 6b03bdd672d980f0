import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { createClient } from 'graphql-ws';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventHub } from '../../../durable/event-hub';
import type { ConnectionState } from '../../../durable/graphql-ws/connection-state';
import type { HealthCheckEvent } from '../../../durable/graphql-ws/event';
import type { ExecuteRequest, SubscriptionExecutor } from '../../../durable/graphql-ws/executor';
import { setExecutorFactory } from '../../../durable/graphql-ws/executor-registry';
import { COMPLETED, fakeValidate, KEYS, UPDATED } from '../helpers';
import type { FixtureEnv } from './worker';

const fixture = env as unknown as Partial<FixtureEnv>;
const STARTED: HealthCheckEvent = { type: 'STARTED', healthCheckUuid: 'hc-1' };
const DONE: HealthCheckEvent = { type: 'COMPLETED', healthCheckUuid: 'hc-1' };

/** The executor the hub gets: keys from helpers, a stand-in validator, and an echoing execute. */
const executions: ExecuteRequest[] = [];
let gate: Promise<void> | null = null;
const executor: SubscriptionExecutor = {
  authenticate: async (authorization) => KEYS[authorization] ?? null,
  validate: fakeValidate,
  async execute(request) {
    executions.push(request);
    if (gate) await gate;
    const field = request.query.includes('healthCheckCompleted') ? 'healthCheckCompleted' : 'healthCheckUpdated';
    return { data: { [field]: { type: request.event.type, uuid: request.event.healthCheckUuid, role: request.auth.role } } };
  },
};

interface Client {
  ws: WebSocket;
  send(message: unknown): void;
  next(): Promise<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once every earlier server message has arrived (a ping's pong comes after them). */
  quiet(): Promise<void>;
}

function within<T>(promise: Promise<T>, what: string, ms = 3000): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))]);
}

const open: WebSocket[] = [];

function client(ws: WebSocket): Client {
  const inbox: Record<string, unknown>[] = [];
  const waiting: ((message: Record<string, unknown>) => void)[] = [];
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(event.data as string);
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })));
  ws.accept();
  open.push(ws);
  let pings = 0;
  const c: Client = {
    ws,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: () => within(inbox.length ? Promise.resolve(inbox.shift()!) : new Promise((resolve) => waiting.push(resolve)), 'a message'),
    closed: within(closed, 'the socket to close'),
    async quiet() {
      const payload = { quiet: ++pings };
      c.send({ type: 'ping', payload });
      expect(await c.next()).toEqual({ type: 'pong', payload });
    },
  };
  c.closed.catch(() => {}); // only awaited by some tests
  return c;
}

const upgradeHeaders = { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'graphql-transport-ws' };

function hub(name: string = crypto.randomUUID()): DurableObjectStub<EventHub> {
  return fixture.EVENT_HUB!.getByName(name);
}

async function connect(stub: DurableObjectStub<EventHub>): Promise<Client> {
  const response = await stub.fetch('https://hub/graphql', { headers: upgradeHeaders });
  expect(response.status).toBe(101);
  expect(response.headers.get('Sec-WebSocket-Protocol')).toBe('graphql-transport-ws');
  return client(response.webSocket!);
}

async function ready(stub: DurableObjectStub<EventHub>, key = 'Bearer viewer-key'): Promise<Client> {
  const c = await connect(stub);
  c.send({ type: 'connection_init', payload: { authorization: key } });
  expect(await c.next()).toEqual({ type: 'connection_ack' });
  return c;
}

async function subscribed(stub: DurableObjectStub<EventHub>, id: string, query = UPDATED, variables: Record<string, unknown> | null = null): Promise<Client> {
  const c = await ready(stub);
  c.send({ id, type: 'subscribe', payload: { query, variables } });
  await c.quiet();
  return c;
}

describe.runIf(fixture.EVENT_HUB_FIXTURE)('EventHub', () => {
  beforeAll(() => setExecutorFactory(() => executor));
  afterEach(() => {
    executions.length = 0;
    gate = null;
    for (const ws of open.splice(0)) {
      try {
        ws.close(1000, 'test over');
      } catch {
        // already closed
      }
    }
  });

  describe('the upgrade', () => {
    it('answers 426 to a request that is not a WebSocket upgrade', async () => {
      const response = await hub().fetch('https://hub/graphql');
      expect(response.status).toBe(426);
      expect(response.headers.get('Upgrade')).toBe('websocket');
      expect(await response.text()).toMatch(/Expected a WebSocket upgrade/);
    });

    it('answers 400 when graphql-transport-ws is not offered', async () => {
      const response = await hub().fetch('https://hub/graphql', { headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'graphql-ws' } });
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/expected graphql-transport-ws .* got graphql-ws/);
    });

    it('refuses with 503 and Retry-After once the hub holds its cap of sockets (3 here)', async () => {
      const stub = hub();
      for (let i = 0; i < 3; i++) await connect(stub);
      const response = await stub.fetch('https://hub/graphql', { headers: upgradeHeaders });
      expect(response.status).toBe(503);
      expect(response.headers.get('Retry-After')).toBe('5');
      expect(await response.text()).toBe('This subscription hub is full (3 connections); try again later\n');
    });

    it('stores the initial state in the attachment and sets the init alarm', async () => {
      const stub = hub();
      await connect(stub);
      await runInDurableObject(stub, async (_instance, state) => {
        const [ws] = state.getWebSockets();
        expect(ws!.deserializeAttachment()).toMatchObject({ phase: 'awaiting_init', auth: null, subscriptions: {} });
        const { connectedAt } = ws!.deserializeAttachment() as ConnectionState;
        expect(await state.storage.getAlarm()).toBe(connectedAt + 400);
        expect(state.getWebSocketAutoResponse()).toMatchObject({ request: '{"type":"ping"}', response: '{"type":"pong"}' });
      });
    });
  });

  describe('the protocol over a real socket', () => {
    it('acknowledges a good key, streams matching events, and stops after complete', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'watch', UPDATED, { uuid: 'hc-1' });
      expect(await stub.publish(STARTED)).toEqual({ executions: 1, delivered: 1 });
      expect(await c.next()).toEqual({ id: 'watch', type: 'next', payload: { data: { healthCheckUpdated: { type: 'STARTED', uuid: 'hc-1', role: 'viewer' } } } });
      expect(await stub.publish({ type: 'STARTED', healthCheckUuid: 'hc-2' })).toEqual({ executions: 0, delivered: 0 });

      c.send({ id: 'watch', type: 'complete' });
      await c.quiet();
      expect(await stub.publish(DONE)).toEqual({ executions: 0, delivered: 0 });
      await c.quiet();
    });

    it('closes 4403 for an unknown key', async () => {
      const c = await connect(hub());
      c.send({ type: 'connection_init', payload: { authorization: 'Bearer nobody' } });
      expect(await c.closed).toEqual({ code: 4403, reason: 'Forbidden' });
    });

    it.each([
      ['4401 for subscribe before init', [{ id: '1', type: 'subscribe', payload: { query: UPDATED } }], { code: 4401, reason: 'Unauthorized' }, false],
      ['4400 for a binary frame', [new Uint8Array([123, 125])], { code: 4400, reason: 'Binary frames are not supported; send JSON text frames' }, false],
      ['4429 for a second init', [{ type: 'connection_init', payload: { authorization: 'Bearer viewer-key' } }], { code: 4429, reason: 'Too many initialisation requests' }, true],
      [
        '4409 for a duplicate operation id',
        [
          { id: 'a', type: 'subscribe', payload: { query: UPDATED } },
          { id: 'a', type: 'subscribe', payload: { query: COMPLETED } },
        ],
        { code: 4409, reason: 'Subscriber for a already exists' },
        true,
      ],
    ])('closes %s', async (_name, frames, expected, init) => {
      const stub = hub();
      const c = init ? await ready(stub) : await connect(stub);
      for (const frame of frames) c.ws.send(frame instanceof Uint8Array ? frame : JSON.stringify(frame));
      expect(await c.closed).toEqual(expected);
    });

    it('answers an invalid document with an error and keeps the socket', async () => {
      const c = await ready(hub());
      c.send({ id: 'x', type: 'subscribe', payload: { query: 'subscription { nope }' } });
      expect(await c.next()).toMatchObject({ id: 'x', type: 'error', payload: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
      await c.quiet();
    });

    it('caps subscriptions per socket (3 here) with an error for the extra one', async () => {
      const c = await ready(hub());
      for (const id of ['1', '2', '3', '4']) c.send({ id, type: 'subscribe', payload: { query: UPDATED } });
      expect(await c.next()).toMatchObject({ id: '4', type: 'error', payload: [{ message: expect.stringMatching(/at most 3/) }] });
    });

    it('answers the keep-alive ping without running the object (auto-response)', async () => {
      const stub = hub();
      const c = await ready(stub);
      c.send('{"type":"ping"}');
      expect(await c.next()).toEqual({ type: 'pong' });
      await runInDurableObject(stub, (_instance, state) => {
        expect(state.getWebSocketAutoResponseTimestamp(state.getWebSockets()[0]!)).toBeInstanceOf(Date);
      });
    });
  });

  describe('state across hibernation', () => {
    it('keeps auth and subscriptions in the attachment and serves them after eviction', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'all', UPDATED);
      await runInDurableObject(stub, (_instance, state) => {
        expect(state.getWebSockets()[0]!.deserializeAttachment()).toMatchObject({
          phase: 'ready',
          auth: { role: 'viewer', keyName: 'dashboard' },
          subscriptions: { all: { field: 'healthCheckUpdated', args: { uuid: null }, variables: null } },
        });
      });

      await evictDurableObject(stub); // hibernates the sockets, drops the instance

      expect(await stub.publish(DONE)).toEqual({ executions: 1, delivered: 1 });
      expect(await c.next()).toMatchObject({ id: 'all', type: 'next', payload: { data: { healthCheckUpdated: { type: 'COMPLETED' } } } });
      // and the protocol state came back too: the same id is still taken
      c.send({ id: 'all', type: 'subscribe', payload: { query: UPDATED } });
      expect(await c.closed).toEqual({ code: 4409, reason: 'Subscriber for all already exists' });
    });
  });

  describe('publish', () => {
    it('runs one execution for many identical subscribers, and one per role', async () => {
      const stub = hub();
      const viewers = [await subscribed(stub, 'a', COMPLETED), await subscribed(stub, 'b', COMPLETED)];
      const admin = await ready(stub, 'Bearer admin-key');
      admin.send({ id: 'c', type: 'subscribe', payload: { query: COMPLETED } });
      await admin.quiet();

      expect(await stub.publish(DONE)).toEqual({ executions: 2, delivered: 3 });
      expect(executions.map((e) => e.auth.role).sort()).toEqual(['admin', 'viewer']);
      for (const [c, id] of [[viewers[0]!, 'a'], [viewers[1]!, 'b']] as const) {
        expect(await c.next()).toEqual({ id, type: 'next', payload: { data: { healthCheckCompleted: { type: 'COMPLETED', uuid: 'hc-1', role: 'viewer' } } } });
      }
      expect(await admin.next()).toMatchObject({ id: 'c', payload: { data: { healthCheckCompleted: { role: 'admin' } } } });

      expect(await stub.publish(STARTED)).toEqual({ executions: 0, delivered: 0 }); // healthCheckCompleted ignores STARTED
    });

    it('sends nothing for an operation completed while its execution ran', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'w', UPDATED);
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      const publishing = stub.publish(STARTED);
      while (executions.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      c.send({ id: 'w', type: 'complete' });
      await c.quiet(); // the hub has handled the complete
      release();
      expect(await publishing).toEqual({ executions: 1, delivered: 0 });
      await c.quiet();
    });

    it('masks an execution that throws, for its subscribers only', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'w', UPDATED);
      const failing = { ...executor, execute: async () => Promise.reject(new Error('D1_ERROR: secret')) };
      setExecutorFactory(() => failing);
      try {
        await evictDurableObject(stub); // the next instance builds its executor from the factory
        expect(await stub.publish(STARTED)).toEqual({ executions: 1, delivered: 1 });
        expect(await c.next()).toEqual({ id: 'w', type: 'next', payload: { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] } });
      } finally {
        setExecutorFactory(() => executor);
      }
    });

    it('refuses an event that is not one', async () => {
      // (settled with then(): expect().rejects leaves the RPC promise's rejection unhandled)
      const error = await hub()
        .publish({ type: 'NOPE', healthCheckUuid: 'x' } as never)
        .then(() => null, (e: unknown) => e);
      expect(String(error)).toMatch(/TypeError: EventHub.publish: event.type must be one of STARTED, WORKER_RESULT, COMPLETED/);
    });
  });

  describe('the init timeout', () => {
    it('closes sockets that never sent connection_init with 4408, and spares the others', async () => {
      const stub = hub();
      const silent = await connect(stub);
      const acknowledged = await ready(stub);
      await new Promise((resolve) => setTimeout(resolve, 450));
      await runDurableObjectAlarm(stub); // in case the alarm has not fired by itself yet
      expect(await silent.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
      await acknowledged.quiet();
    });

    it('re-arms the alarm for a socket that connected later', async () => {
      const stub = hub();
      await connect(stub);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const later = await connect(stub);
      await new Promise((resolve) => setTimeout(resolve, 250)); // the first is due, the second not yet
      await runDurableObjectAlarm(stub);
      const next = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
      const { connectedAt } = await runInDurableObject(stub, (_i, state) => state.getWebSockets().at(-1)!.deserializeAttachment() as ConnectionState);
      expect(next).toBe(connectedAt + 400);
      await new Promise((resolve) => setTimeout(resolve, 250));
      await runDurableObjectAlarm(stub);
      expect(await later.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    });
  });

  describe('through the Worker, with the graphql-ws client', () => {
    it('passes a socket to the next shard when one is full', async () => {
      // The fixture has 2 shards of 3 sockets; pin the first shard with a client id.
      const url = 'https://orchestrator/graphql?clientId=dashboard-7';
      const responses = [];
      for (let i = 0; i < 7; i++) responses.push(await exports.default.fetch(url, { headers: upgradeHeaders }));
      expect(responses.map((r) => r.status)).toEqual([101, 101, 101, 101, 101, 101, 503]);
      for (const r of responses) if (r.webSocket) client(r.webSocket);
    });

    it('speaks the protocol the graphql-ws client expects', async () => {
      // graphql-ws's client wants a WebSocket constructor; this one upgrades through the Worker.
      class WorkerWebSocket extends EventTarget {
        static readonly CONNECTING = 0;
        static readonly OPEN = 1;
        static readonly CLOSING = 2;
        static readonly CLOSED = 3;
        readyState = 0;
        protocol = '';
        onopen: ((event: Event) => void) | null = null;
        onmessage: ((event: MessageEvent) => void) | null = null;
        onclose: ((event: CloseEvent) => void) | null = null;
        onerror: ((event: Event) => void) | null = null;
        private socket: WebSocket | null = null;
        constructor(url: string, protocol: string) {
          super();
          void exports.default.fetch(url.replace(/^ws/, 'http'), { headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': protocol } }).then((response) => {
            const ws = response.webSocket!;
            this.socket = ws;
            this.protocol = response.headers.get('Sec-WebSocket-Protocol') ?? '';
            ws.addEventListener('message', (event) => this.onmessage?.(event));
            ws.addEventListener('close', (event) => {
              this.readyState = 3;
              this.onclose?.(event);
            });
            ws.accept();
            open.push(ws);
            this.readyState = 1;
            this.onopen?.(new Event('open'));
          });
        }
        send(data: string) {
          this.socket!.send(data);
        }
        close(code?: number, reason?: string) {
          this.readyState = 2;
          this.socket?.close(code, reason);
        }
      }

      const graphqlClient = createClient({
        url: 'ws://orchestrator/graphql?clientId=interop',
        webSocketImpl: WorkerWebSocket,
        connectionParams: { authorization: 'Bearer operator-key' },
        lazy: false,
        retryAttempts: 0,
      });
      const connected = new Promise((resolve) => graphqlClient.on('connected', resolve));
      const iterator = graphqlClient.iterate({ query: UPDATED, variables: { uuid: 'hc-9' } });
      const first = iterator.next();
      await within(connected, 'connection_ack');
      const { shardOrder, shardName } = await import('../../../durable/graphql-ws/shards');
      const stub = hub(shardName(shardOrder(2, 'interop')[0]!));
      // the subscribe may still be in flight: publish until it lands
      let outcome = { delivered: 0, executions: 0 };
      for (let i = 0; i < 50 && outcome.delivered === 0; i++) {
        outcome = await stub.publish({ type: 'WORKER_RESULT', healthCheckUuid: 'hc-9', workerCheckUuid: 'wc-1' });
        if (!outcome.delivered) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(await within(first, 'the first result')).toEqual({
        done: false,
        value: { data: { healthCheckUpdated: { type: 'WORKER_RESULT', uuid: 'hc-9', role: 'operator' } } },
      });
      await iterator.return?.();
      await graphqlClient.dispose();
    });
  });
});
