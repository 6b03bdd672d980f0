/**
 * The EventHub Durable Object against real workerd sockets, hibernation and alarms, bound in the
 * orchestrator's wrangler.toml and reached through its fetch handler. A stand-in executor (echoing
 * the event and role) keeps these about the protocol and the object; tests/subscriptions runs the
 * real schema. The limits are the small ones vitest.config.ts sets.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { createClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSubscriptionExecutor } from '../../compose/subscription-executor';
import { EXECUTION_CONCURRENCY, type EventHub } from '../../durable/event-hub';
import type { ConnectionState } from '../../durable/graphql-ws/connection-state';
import type { HealthCheckEvent } from '../../durable/graphql-ws/event';
import type { ExecuteRequest, SubscriptionExecutor } from '../../durable/graphql-ws/executor';
import type { HubLimits } from '../../durable/graphql-ws/limits';
import { setExecutorFactory } from '../../durable/graphql-ws/executor-registry';
import { shardCount, shardName, shardOrder } from '../../durable/graphql-ws/shards';
import { COMPLETED, fakeValidate, KEYS, UPDATED } from './helpers';
import { closeAllSockets, rawClient, sleep, upgradeHeaders, within, WorkerWebSocket, type RawClient as Client } from './sockets';

const limits = env as unknown as { EVENT_HUB_MAX_SOCKETS: string; EVENT_HUB_MAX_SUBSCRIPTIONS: string; EVENT_HUB_INIT_TIMEOUT_MS: string };
const MAX_SOCKETS = Number(limits.EVENT_HUB_MAX_SOCKETS);
const MAX_SUBSCRIPTIONS = Number(limits.EVENT_HUB_MAX_SUBSCRIPTIONS);
const INIT_TIMEOUT_MS = Number(limits.EVENT_HUB_INIT_TIMEOUT_MS);
const SHARDS = shardCount(env.EVENT_HUB_SHARDS);

const STARTED: HealthCheckEvent = { type: 'STARTED', healthCheckUuid: 'hc-1', sequence: 1 };
const DONE: HealthCheckEvent = { type: 'COMPLETED', healthCheckUuid: 'hc-1', sequence: 3 };

/** The executor the hub gets: keys from helpers, a stand-in validator, and an echoing execute. */
const executions: ExecuteRequest[] = [];
/** Executions running now, and the most seen at once since the last test. */
let inFlight = 0;
let mostInFlight = 0;
let gate: Promise<void> | null = null;
/** When set, key checks wait for it (a `connection_init` in flight); `authentications` counts them. */
let authGate: Promise<void> | null = null;
let authentications = 0;
/** When set, only executions for this event type wait for the gate. */
let gatedType: HealthCheckEvent['type'] | null = null;
/** When set, what one execution waits for before it answers (nothing when it returns undefined). */
let holdFor: ((request: ExecuteRequest) => Promise<void> | undefined) | null = null;
/** How many executions had started each time a key was checked. */
const executionsAtAuthentication: number[] = [];
/** A document with this in it reads only the event's run: the stand-in answers it with the run alone. */
const RUN_ONLY = 'runOnly';
/** Each run's story so far, as history() answers it; `histories` counts the reads. */
const stories = new Map<string, HealthCheckEvent[]>();
let histories = 0;
/** When set, history() waits for it after it was asked (a catch-up reading D1). */
let historyGate: Promise<void> | null = null;
let historyFails = false;
const executor: SubscriptionExecutor = {
  async history(healthCheckUuid) {
    histories++;
    if (historyGate) await historyGate;
    if (historyFails) throw new Error('D1_ERROR: secret');
    return stories.get(healthCheckUuid) ?? [];
  },
  async authenticate(authorization) {
    authentications++;
    executionsAtAuthentication.push(executions.length);
    if (authGate) await authGate;
    return KEYS[authorization] ?? null;
  },
  validate: fakeValidate,
  // Truthful for the stand-in's answers: a RUN_ONLY document's reads only the run.
  eventDependencies: ({ query }) => (query.includes(RUN_ONLY) ? ['healthCheckUuid'] : null),
  async execute(request) {
    executions.push(request);
    mostInFlight = Math.max(mostInFlight, ++inFlight);
    try {
      if (gate && (gatedType === null || gatedType === request.event.type)) await gate;
      await holdFor?.(request);
    } finally {
      inFlight--;
    }
    const field = request.query.includes('healthCheckCompleted') ? 'healthCheckCompleted' : 'healthCheckUpdated';
    const event = request.event as HealthCheckEvent;
    if (request.query.includes(RUN_ONLY)) return { data: { [field]: { uuid: event.healthCheckUuid, role: request.auth.role } } };
    const sequence = request.query.includes('sequence') ? { sequence: event.sequence } : {};
    return { data: { [field]: { type: event.type, uuid: event.healthCheckUuid, role: request.auth.role, ...sequence } } };
  },
};

/** The event type of a stand-in `next` for healthCheckUpdated. */
const typeOf = (message: Record<string, unknown>) => (message as { payload: { data: { healthCheckUpdated: { type: string } } } }).payload.data.healthCheckUpdated.type;

function hub(name: string = crypto.randomUUID()): DurableObjectStub<EventHub> {
  return env.EVENT_HUB.getByName(name);
}

async function connect(stub: DurableObjectStub<EventHub>): Promise<Client> {
  const response = await stub.fetch('https://hub/graphql', { headers: upgradeHeaders });
  expect(response.status).toBe(101);
  expect(response.headers.get('Sec-WebSocket-Protocol')).toBe('graphql-transport-ws');
  return rawClient(response.webSocket!);
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

describe('EventHub', () => {
  // Module state is per test file (an isolate each), so this replaces index.ts's registration
  // for this file only; the real executor is put back for tidiness.
  beforeAll(() => setExecutorFactory(() => executor));
  afterAll(() => setExecutorFactory(createSubscriptionExecutor));
  afterEach(() => {
    executions.length = 0;
    mostInFlight = 0;
    authGate = null;
    authentications = 0;
    gate = null;
    gatedType = null;
    holdFor = null;
    executionsAtAuthentication.length = 0;
    stories.clear();
    histories = 0;
    historyGate = null;
    historyFails = false;
    closeAllSockets();
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

    it(`refuses with 503 and Retry-After once the hub holds its cap of authenticated sockets (${MAX_SOCKETS} here)`, async () => {
      const stub = hub();
      for (let i = 0; i < MAX_SOCKETS; i++) await ready(stub);
      const response = await stub.fetch('https://hub/graphql', { headers: upgradeHeaders });
      expect(response.status).toBe(503);
      expect(response.headers.get('Retry-After')).toBe('5');
      expect(await response.text()).toBe(`This subscription hub is full (${MAX_SOCKETS} connections); try again later\n`);
    });

    it('at its cap of sockets awaiting connection_init, closes the one that waited longest (4408) and takes the new one', async () => {
      const stub = hub();
      const first = await connect(stub);
      const second = await connect(stub);
      // vitest.config.ts's socket cap (3) is also the pending cap there; lower the pending one
      // on this instance so the two differ.
      await runInDurableObject(stub, (instance) => {
        const hubLimits = instance as unknown as { limits: HubLimits };
        hubLimits.limits = { ...hubLimits.limits, maxPendingSockets: 2, evictPendingAfterMs: 0 };
      });
      const third = await connect(stub);
      expect(await first.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout: the hub needed room for a new connection' });
      // The newcomer is a socket like any: it authenticates and is acknowledged.
      third.send({ type: 'connection_init', payload: { authorization: 'Bearer viewer-key' } });
      expect(await third.next()).toEqual({ type: 'connection_ack' });
      await second.quiet(); // the younger waiting socket stays (a ping is answered before init too)
      const open = await runInDurableObject(stub, (_instance, state) => state.getWebSockets().filter((ws) => ws.readyState === 1).length);
      expect(open).toBe(2);
    });

    it('never closes a socket whose connection_init is being checked: with every waiting socket mid-init, it refuses with 503', async () => {
      const stub = hub();
      const pending = await connect(stub);
      await runInDurableObject(stub, (instance) => {
        const hubLimits = instance as unknown as { limits: HubLimits };
        hubLimits.limits = { ...hubLimits.limits, maxPendingSockets: 1, evictPendingAfterMs: 0 };
      });
      let release!: () => void;
      authGate = new Promise((resolve) => (release = resolve));
      pending.send({ type: 'connection_init', payload: { authorization: 'Bearer viewer-key' } });
      while (authentications < 1) await sleep(5);
      const refused = await stub.fetch('https://hub/graphql', { headers: upgradeHeaders });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('Retry-After')).toBe('5');
      expect(await refused.text()).toBe('This subscription hub has too many connections awaiting connection_init (1); try again later\n');
      release();
      expect(await pending.next()).toEqual({ type: 'connection_ack' });
      // An acknowledged socket no longer counts: the next one is taken.
      expect((await stub.fetch('https://hub/graphql', { headers: upgradeHeaders })).status).toBe(101);
    });

    it('does not count a socket it closed whose peer never answers the close', async () => {
      const stub = hub();
      // A peer that does not send the reciprocal close frame: the runtime keeps the hub's end
      // listed (CLOSING) for as long as the peer holds the connection.
      const response = await stub.fetch('https://hub/graphql', { headers: upgradeHeaders });
      const silent = response.webSocket!;
      const closed = new Promise<{ code: number; reason: string }>((resolve) => silent.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })));
      silent.accept({ allowHalfOpen: true });
      silent.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer nobody' } }));
      expect(await within(closed, 'the close frame')).toEqual({ code: 4403, reason: 'Forbidden' });
      const listed = await runInDurableObject(stub, (_instance, state) => state.getWebSockets().map((ws) => ws.readyState));
      expect(listed).toEqual([2]); // still there, closing
      // Only open sockets are the hub's: it still takes its full cap.
      for (let i = 0; i < MAX_SOCKETS; i++) await ready(stub);
      expect((await stub.fetch('https://hub/graphql', { headers: upgradeHeaders })).status).toBe(503);
      try {
        silent.close(1000, 'test over');
      } catch {
        // already closed
      }
    });

    it('stores the initial state in the attachment and sets the init alarm', async () => {
      const stub = hub();
      await connect(stub);
      await runInDurableObject(stub, async (_instance, state) => {
        const [ws] = state.getWebSockets();
        expect(ws!.deserializeAttachment()).toMatchObject({ phase: 'awaiting_init', auth: null, subscriptions: {} });
        const { connectedAt } = ws!.deserializeAttachment() as ConnectionState;
        expect(await state.storage.getAlarm()).toBe(connectedAt + INIT_TIMEOUT_MS);
        expect(state.getWebSocketAutoResponse()).toMatchObject({ request: '{"type":"ping"}', response: '{"type":"pong"}' });
      });
    });
  });

  describe('the protocol over a real socket', () => {
    it('acknowledges a good key, streams matching events, and stops after complete', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'watch', UPDATED, { uuid: 'hc-1' });
      expect(await stub.publish(STARTED)).toEqual({ executions: 1, deliveries: 1 });
      expect(await c.next()).toEqual({ id: 'watch', type: 'next', payload: { data: { healthCheckUpdated: { type: 'STARTED', uuid: 'hc-1', role: 'viewer' } } } });
      expect(await stub.publish({ type: 'STARTED', healthCheckUuid: 'hc-2', sequence: 1 })).toEqual({ executions: 0, deliveries: 0 });

      c.send({ id: 'watch', type: 'complete' });
      await c.quiet();
      expect(await stub.publish(DONE)).toEqual({ executions: 0, deliveries: 0 });
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

    it(`caps subscriptions per socket (${MAX_SUBSCRIPTIONS} here) with an error for the extra one`, async () => {
      const c = await ready(hub());
      const ids = Array.from({ length: MAX_SUBSCRIPTIONS + 1 }, (_, i) => String(i + 1));
      for (const id of ids) c.send({ id, type: 'subscribe', payload: { query: UPDATED } });
      expect(await c.next()).toMatchObject({ id: ids.at(-1), type: 'error', payload: [{ message: expect.stringMatching(`at most ${MAX_SUBSCRIPTIONS}`) }] });
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

      expect(await stub.publish(DONE)).toEqual({ executions: 1, deliveries: 1 });
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

      expect(await stub.publish(DONE)).toEqual({ executions: 2, deliveries: 3 });
      expect(executions.map((e) => e.auth.role).sort()).toEqual(['admin', 'viewer']);
      for (const [c, id] of [[viewers[0]!, 'a'], [viewers[1]!, 'b']] as const) {
        expect(await c.next()).toEqual({ id, type: 'next', payload: { data: { healthCheckCompleted: { type: 'COMPLETED', uuid: 'hc-1', role: 'viewer' } } } });
      }
      expect(await admin.next()).toMatchObject({ id: 'c', payload: { data: { healthCheckCompleted: { role: 'admin' } } } });

      expect(await stub.publish(STARTED)).toEqual({ executions: 0, deliveries: 0 }); // healthCheckCompleted ignores STARTED
    });

    it('sends nothing for an operation completed while its execution ran', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'w', UPDATED);
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      expect(await stub.publish(STARTED)).toEqual({ executions: 1, deliveries: 1 });
      while (executions.length === 0) await sleep(5);
      c.send({ id: 'w', type: 'complete' });
      await c.quiet(); // the hub has handled the complete
      release();
      await stub.drained();
      await c.quiet(); // the pong, and no `next` before it
    });

    it('answers publish before its executions finish: the pipeline never waits for watchers', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'w', UPDATED);
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      expect(await within(stub.publish(STARTED), 'publish to answer while its execution waits', 1000)).toEqual({ executions: 1, deliveries: 1 });
      release();
      expect(await c.next()).toMatchObject({ id: 'w', payload: { data: { healthCheckUpdated: { type: 'STARTED' } } } });
    });

    it('delivers events in the order they were published, even when an earlier one runs longer', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'w', UPDATED);
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      gatedType = 'STARTED';
      const first = stub.publish(STARTED);
      while (executions.length === 0) await sleep(5);
      const second = stub.publish({ type: 'WORKER_RESULT', healthCheckUuid: 'hc-1', workerCheckUuid: 'wc-1', sequence: 2 });
      while (executions.length < 2) await sleep(5); // WORKER_RESULT's execution is done; STARTED's is not
      await sleep(20);
      release();
      expect(await Promise.all([first, second])).toEqual([
        { executions: 1, deliveries: 1 },
        { executions: 1, deliveries: 1 },
      ]);
      expect(await c.next()).toMatchObject({ id: 'w', payload: { data: { healthCheckUpdated: { type: 'STARTED' } } } });
      expect(await c.next()).toMatchObject({ id: 'w', payload: { data: { healthCheckUpdated: { type: 'WORKER_RESULT' } } } });
    });

    it('masks an execution that throws, for its subscribers only', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'w', UPDATED);
      const failing = { ...executor, execute: async () => Promise.reject(new Error('D1_ERROR: secret')) };
      setExecutorFactory(() => failing);
      try {
        await evictDurableObject(stub); // the next instance builds its executor from the factory
        expect(await stub.publish(STARTED)).toEqual({ executions: 1, deliveries: 1 });
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

  describe('publishMany', () => {
    const RESULT: HealthCheckEvent = { type: 'WORKER_RESULT', healthCheckUuid: 'hc-1', workerCheckUuid: 'wc-1', sequence: 2 };

    it('delivers a batch in its order, one execution per distinct document per event, answering once planned', async () => {
      const stub = hub();
      const a = await subscribed(stub, 'a', UPDATED);
      const b = await subscribed(stub, 'b', UPDATED);
      const ends = await subscribed(stub, 'e', COMPLETED);
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      gatedType = 'STARTED'; // the first event's execution is the slowest: order must still hold
      const outcomes = await within(stub.publishMany([STARTED, RESULT, DONE]), 'publishMany to answer while an execution waits', 1000);
      expect(outcomes).toEqual([
        { executions: 1, deliveries: 2 },
        { executions: 1, deliveries: 2 },
        { executions: 2, deliveries: 3 },
      ]);
      while (executions.length < 4) await sleep(5);
      expect(executions.map((e) => e.event.type).sort()).toEqual(['COMPLETED', 'COMPLETED', 'STARTED', 'WORKER_RESULT']);
      release();
      await stub.drained();
      for (const [c, id] of [[a, 'a'], [b, 'b']] as const) {
        for (const type of ['STARTED', 'WORKER_RESULT', 'COMPLETED']) {
          expect(await c.next()).toEqual({ id, type: 'next', payload: { data: { healthCheckUpdated: { type, uuid: 'hc-1', role: 'viewer' } } } });
        }
        await c.quiet();
      }
      expect(await ends.next()).toMatchObject({ id: 'e', payload: { data: { healthCheckCompleted: { type: 'COMPLETED' } } } });
      await ends.quiet();
    });

    it('keeps the order across batches and single publishes', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'w', UPDATED);
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      gatedType = 'STARTED';
      const first = stub.publishMany([STARTED, RESULT]);
      const second = stub.publish(DONE);
      await Promise.all([first, second]);
      release();
      for (const type of ['STARTED', 'WORKER_RESULT', 'COMPLETED']) {
        expect(await c.next()).toMatchObject({ id: 'w', payload: { data: { healthCheckUpdated: { type } } } });
      }
    });

    it('refuses the whole batch, delivering nothing, when one event is invalid', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'w', UPDATED);
      const error = await stub
        .publishMany([STARTED, { type: 'WORKER_RESULT', healthCheckUuid: '', sequence: 2 } as never, DONE])
        .then(() => null, (e: unknown) => e);
      expect(String(error)).toMatch(/TypeError: EventHub.publishMany: events\[1\]: event.healthCheckUuid must be a non-empty string/);
      await stub.drained();
      expect(executions).toEqual([]);
      await c.quiet(); // the pong, and no `next` before it
    });

    it('answers an empty batch with no outcomes', async () => {
      const stub = hub();
      await subscribed(stub, 'w', UPDATED);
      expect(await stub.publishMany([])).toEqual([]);
      expect(executions).toEqual([]);
    });
  });

  describe('each execution as soon as it is done', () => {
    const SLOW = 'subscription Slow { healthCheckUpdated { type } }';
    const FAST = 'subscription Fast { healthCheckUpdated { type } }';
    const RESULT: HealthCheckEvent = { type: 'WORKER_RESULT', healthCheckUuid: 'hc-1', workerCheckUuid: 'wc-1', sequence: 2 };

    /** A promise and the function that settles it. */
    function latch(): { promise: Promise<void>; open: () => void } {
      let open!: () => void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      return { promise, open };
    }

    /** Holds every execution of the Slow document until the latch opens. */
    function slowDocument() {
      const slow = latch();
      holdFor = (request) => (request.query.includes('Slow') ? slow.promise : undefined); // documents are stored stripped: by name
      return slow;
    }

    it("sends a fast document's subscribers their event while a slow document's execution still runs", async () => {
      const stub = hub();
      const waiting = await subscribed(stub, 's', SLOW);
      const quick = await subscribed(stub, 'f', FAST);
      const slow = slowDocument();
      expect(await stub.publish(STARTED)).toEqual({ executions: 2, deliveries: 2 });
      expect(await quick.next()).toMatchObject({ id: 'f', type: 'next', payload: { data: { healthCheckUpdated: { type: 'STARTED' } } } });
      await waiting.quiet(); // the pong, and no `next` yet: its execution is still held
      slow.open();
      expect(await waiting.next()).toMatchObject({ id: 's', type: 'next', payload: { data: { healthCheckUpdated: { type: 'STARTED' } } } });
    });

    it('does so on one socket too: the fast operation does not wait for the slow one beside it', async () => {
      const stub = hub();
      const c = await ready(stub);
      c.send({ id: 's', type: 'subscribe', payload: { query: SLOW } });
      c.send({ id: 'f', type: 'subscribe', payload: { query: FAST } });
      await c.quiet();
      const slow = slowDocument();
      await stub.publish(STARTED);
      expect(await c.next()).toMatchObject({ id: 'f', payload: { data: { healthCheckUpdated: { type: 'STARTED' } } } });
      await c.quiet();
      slow.open();
      expect(await c.next()).toMatchObject({ id: 's', payload: { data: { healthCheckUpdated: { type: 'STARTED' } } } });
    });

    it('holds back only the slow operation, whose later events then follow in order, never before its earlier one', async () => {
      const stub = hub();
      const waiting = await subscribed(stub, 's', SLOW);
      const quick = await subscribed(stub, 'f', FAST);
      // Only the slow document's STARTED is slow: its WORKER_RESULT and COMPLETED are done at once.
      const slow = latch();
      holdFor = (request) => (request.query.includes('Slow') && request.event.type === 'STARTED' ? slow.promise : undefined);
      await stub.publish(STARTED);
      await stub.publishMany([RESULT, DONE]);
      while (executions.length < 6) await sleep(5);
      expect([await quick.next(), await quick.next(), await quick.next()].map(typeOf)).toEqual(['STARTED', 'WORKER_RESULT', 'COMPLETED']);
      await waiting.quiet(); // nothing: WORKER_RESULT and COMPLETED wait behind STARTED
      slow.open();
      expect([await waiting.next(), await waiting.next(), await waiting.next()].map(typeOf)).toEqual(['STARTED', 'WORKER_RESULT', 'COMPLETED']);
      await stub.drained();
      await waiting.quiet();
    });

    it("keeps each operation's order when its executions finish in reverse", async () => {
      const stub = hub();
      const c = await subscribed(stub, 'w', UPDATED);
      const events: HealthCheckEvent[] = [STARTED, RESULT, { ...RESULT, workerCheckUuid: 'wc-2', sequence: 3 }, { ...DONE, sequence: 4 }];
      const latches = new Map(events.map((event) => [event.sequence, latch()]));
      holdFor = (request) => latches.get((request.event as HealthCheckEvent).sequence)!.promise;
      await stub.publishMany(events);
      while (executions.length < events.length) await sleep(5);
      for (const sequence of [4, 3, 2]) latches.get(sequence)!.open();
      await sleep(20);
      await c.quiet(); // nothing yet: the first event's execution is still held
      latches.get(1)!.open();
      const got = [await c.next(), await c.next(), await c.next(), await c.next()];
      expect(got.map(typeOf)).toEqual(['STARTED', 'WORKER_RESULT', 'WORKER_RESULT', 'COMPLETED']);
      await stub.drained();
      await c.quiet();
    });

    it('drops a held-back event of an operation completed before its turn, and sends the others', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'w', UPDATED);
      const other = await subscribed(stub, 'o', FAST);
      const first = latch();
      holdFor = (request) => (!request.query.includes('Fast') && request.event.type === 'STARTED' ? first.promise : undefined);
      await stub.publishMany([STARTED, RESULT]);
      expect([await other.next(), await other.next()].map(typeOf)).toEqual(['STARTED', 'WORKER_RESULT']);
      c.send({ id: 'w', type: 'complete' });
      await c.quiet();
      first.open();
      await stub.drained();
      await c.quiet(); // neither STARTED nor the WORKER_RESULT behind it
    });
  });

  describe('coalescing a batch', () => {
    const RUN_DOC = `subscription { healthCheckUpdated { ${RUN_ONLY}: healthCheck { uuid } } }`;
    const result = (sequence: number, run = 'hc-1'): HealthCheckEvent => ({ type: 'WORKER_RESULT', healthCheckUuid: run, workerCheckUuid: `wc-${sequence}`, sequence });

    it("runs a document that reads only the run once for a batch of that run's events, and still sends every event", async () => {
      const stub = hub();
      const runOnly = await subscribed(stub, 'r', RUN_DOC);
      const typed = await subscribed(stub, 't', UPDATED);
      const batch = [result(2), result(3), result(4), { type: 'STARTED', healthCheckUuid: 'hc-2', sequence: 1 } as HealthCheckEvent];
      expect(await stub.publishMany(batch)).toEqual([
        { executions: 2, deliveries: 2 }, // both documents
        { executions: 1, deliveries: 2 }, // the typed one only: the run-only one's answer is shared
        { executions: 1, deliveries: 2 },
        { executions: 2, deliveries: 2 }, // another run: both again
      ]);
      await stub.drained();
      expect(executions.filter((e) => e.query.includes(RUN_ONLY)).map((e) => (e.event as HealthCheckEvent).sequence)).toEqual([2, 1]);
      const shared = { id: 'r', type: 'next', payload: { data: { healthCheckUpdated: { uuid: 'hc-1', role: 'viewer' } } } };
      expect([await runOnly.next(), await runOnly.next(), await runOnly.next()]).toEqual([shared, shared, shared]);
      expect(await runOnly.next()).toEqual({ ...shared, payload: { data: { healthCheckUpdated: { uuid: 'hc-2', role: 'viewer' } } } });
      expect([await typed.next(), await typed.next(), await typed.next(), await typed.next()].map(typeOf)).toEqual(['WORKER_RESULT', 'WORKER_RESULT', 'WORKER_RESULT', 'STARTED']);
      await runOnly.quiet();
    });

    it('shares nothing across separate calls', async () => {
      const stub = hub();
      await subscribed(stub, 'r', RUN_DOC);
      expect(await stub.publish(result(2))).toEqual({ executions: 1, deliveries: 1 });
      expect(await stub.publish(result(3))).toEqual({ executions: 1, deliveries: 1 });
    });
  });

  describe('accept', () => {
    const RESULT: HealthCheckEvent = { type: 'WORKER_RESULT', healthCheckUuid: 'hc-1', workerCheckUuid: 'wc-1', sequence: 2 };

    it('answers with how many events it took, and delivers them as publishMany would', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'w', UPDATED);
      expect(await stub.accept([STARTED, RESULT, DONE])).toBe(3);
      for (const type of ['STARTED', 'WORKER_RESULT', 'COMPLETED']) expect(typeOf(await c.next())).toBe(type);
      await stub.drained();
      await c.quiet();
    });

    it('refuses the whole call, delivering nothing, when one event is invalid', async () => {
      const stub = hub();
      const c = await subscribed(stub, 'w', UPDATED);
      const error = await stub.accept([STARTED, { type: 'NOPE' } as never]).then(() => null, (e: unknown) => e);
      expect(String(error)).toMatch(/TypeError: EventHub.accept: events\[1\]: event.type must be one of/);
      await stub.drained();
      expect(executions).toEqual([]);
      await c.quiet();
    });

    it('answers and handles other messages while a huge batch is still being planned, and keeps arrival order behind it', async () => {
      const stub = hub();
      const crowd: Client[] = [];
      for (let s = 0; s < MAX_SOCKETS - 1; s++) {
        const c = await ready(stub);
        for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) c.send({ id: `s${i}`, type: 'subscribe', payload: { query: UPDATED } });
        await c.quiet();
        crowd.push(c);
      }
      const late = await connect(stub);
      // Enough deliveries (events × subscriptions) that planning alone spends the yield budget several times.
      const count = 4000;
      const batch = Array.from({ length: count }, (_, i): HealthCheckEvent => ({ type: 'WORKER_RESULT', healthCheckUuid: 'hc-huge', workerCheckUuid: `wc-${i}`, sequence: i + 2 }));
      const before = executionsAtAuthentication.length;
      // Published right behind the batch, so it arrives while the batch is still being planned:
      // it is still delivered after all of it.
      const last: HealthCheckEvent = { type: 'COMPLETED', healthCheckUuid: 'hc-huge', sequence: count + 2 };
      const accepted = stub.accept(batch);
      const published = stub.publish(last);
      expect(await accepted).toBe(count);
      late.send({ type: 'connection_init', payload: { authorization: 'Bearer viewer-key' } });
      expect(await published).toEqual({ executions: 1, deliveries: MAX_SUBSCRIPTIONS * crowd.length });
      expect(await late.next()).toEqual({ type: 'connection_ack' });
      // The key was checked before the batch's first execution: planning had not finished.
      expect(executionsAtAuthentication[before]).toBe(0);
      const c = crowd[0]!;
      const got = new Map<string, string[]>();
      for (let i = 0; i < (count + 1) * MAX_SUBSCRIPTIONS; i++) {
        const message = await c.next();
        got.set(message.id as string, [...(got.get(message.id as string) ?? []), typeOf(message)]);
      }
      for (const types of got.values()) {
        expect(types).toHaveLength(count + 1);
        expect(types.at(-1)).toBe('COMPLETED');
        expect(types.slice(0, -1).every((type) => type === 'WORKER_RESULT')).toBe(true);
      }
      await stub.drained();
    });
  });

  describe('the catch-up of a subscriber to one run', () => {
    const RUN = 'hc-7';
    const WATCH = 'subscription($uuid: ID) { healthCheckUpdated(uuid: $uuid) { type sequence } }';
    const event = (type: HealthCheckEvent['type'], sequence: number): HealthCheckEvent =>
      type === 'WORKER_RESULT' ? { type, healthCheckUuid: RUN, workerCheckUuid: `wc-${sequence}`, sequence } : { type, healthCheckUuid: RUN, sequence };
    const next = (id: string, type: string, sequence: number) => ({ id, type: 'next', payload: { data: { healthCheckUpdated: { type, uuid: RUN, role: 'viewer', sequence } } } });

    async function watching(stub: DurableObjectStub<EventHub>, id = 'run') {
      const c = await ready(stub);
      c.send({ id, type: 'subscribe', payload: { query: WATCH, variables: { uuid: RUN } } });
      return c;
    }

    it('sends what already happened, in order, then live events', async () => {
      stories.set(RUN, [event('STARTED', 1), event('WORKER_RESULT', 2)]);
      const stub = hub();
      const c = await watching(stub);
      expect(await c.next()).toEqual(next('run', 'STARTED', 1));
      expect(await c.next()).toEqual(next('run', 'WORKER_RESULT', 2));
      await stub.drained();
      expect(await stub.publish(event('WORKER_RESULT', 3))).toEqual({ executions: 1, deliveries: 1 });
      expect(await c.next()).toEqual(next('run', 'WORKER_RESULT', 3));
      // the live copy of an event the catch-up sent is not sent again
      expect(await stub.publish(event('WORKER_RESULT', 2))).toEqual({ executions: 0, deliveries: 0 });
      await stub.drained();
      await c.quiet();
      // the socket's state remembers how far the catch-up went (it survives hibernation)
      const stored = await runInDurableObject(stub, (_instance, state) => (state.getWebSockets()[0]!.deserializeAttachment() as ConnectionState).subscriptions.run);
      expect(stored).toMatchObject({ args: { uuid: RUN }, after: 2 });
    });

    it('holds live events back while it reads the story, and sends each event once at the seam', async () => {
      stories.set(RUN, [event('STARTED', 1), event('WORKER_RESULT', 2)]);
      let release!: () => void;
      historyGate = new Promise((resolve) => (release = resolve));
      const stub = hub();
      const c = await watching(stub);
      while (histories === 0) await sleep(5);
      // While D1 is being read: the run's next result (already in the story: it was written
      // before the read), then one written after it, and a third out of order.
      await stub.publishMany([event('WORKER_RESULT', 2), event('WORKER_RESULT', 4), event('WORKER_RESULT', 3)]);
      await sleep(20);
      c.send({ type: 'ping', payload: { before: 'release' } });
      expect(await c.next()).toEqual({ type: 'pong', payload: { before: 'release' } }); // nothing was sent yet
      release();
      await stub.drained();
      const got = [await c.next(), await c.next(), await c.next(), await c.next()];
      expect(got).toEqual([next('run', 'STARTED', 1), next('run', 'WORKER_RESULT', 2), next('run', 'WORKER_RESULT', 3), next('run', 'WORKER_RESULT', 4)]);
      await c.quiet(); // and nothing else
    });

    it('sends a finished run whole, then complete, and nothing after', async () => {
      stories.set(RUN, [event('STARTED', 1), event('WORKER_RESULT', 2), event('COMPLETED', 3)]);
      const stub = hub();
      const c = await watching(stub);
      expect([await c.next(), await c.next(), await c.next()]).toEqual([next('run', 'STARTED', 1), next('run', 'WORKER_RESULT', 2), next('run', 'COMPLETED', 3)]);
      expect(await c.next()).toEqual({ id: 'run', type: 'complete' });
      await stub.drained();
      expect(await stub.publish(event('COMPLETED', 3))).toEqual({ executions: 0, deliveries: 0 });
      // the operation is over: its id may be used again (no 4409)
      c.send({ id: 'run', type: 'subscribe', payload: { query: UPDATED } });
      await c.quiet();
    });

    it('stops a catch-up whose operation the client completes meanwhile', async () => {
      stories.set(RUN, [event('STARTED', 1), event('WORKER_RESULT', 2)]);
      let release!: () => void;
      historyGate = new Promise((resolve) => (release = resolve));
      const stub = hub();
      const c = await watching(stub);
      while (histories === 0) await sleep(5);
      c.send({ id: 'run', type: 'complete' });
      await c.quiet();
      release();
      await stub.drained();
      await c.quiet(); // the pong, and no `next` before it
    });

    it('ends the operation with an error when the story cannot be read, and keeps the socket', async () => {
      historyFails = true;
      const stub = hub();
      const c = await watching(stub);
      expect(await c.next()).toEqual({ id: 'run', type: 'error', payload: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      await c.quiet();
    });

    it('reads no story for a subscription to every run', async () => {
      const stub = hub();
      await subscribed(stub, 'all', UPDATED);
      await subscribed(stub, 'ends', COMPLETED);
      await stub.drained();
      expect(histories).toBe(0);
    });

    it("does not keep the socket's own next message waiting while the story executes", async () => {
      stories.set(RUN, [event('STARTED', 1)]);
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      const stub = hub();
      const c = await watching(stub);
      while (executions.length === 0) await sleep(5);
      await c.quiet(); // answered while the catch-up's execution waits
      release();
      expect(await c.next()).toEqual(next('run', 'STARTED', 1));
    });
  });

  describe('answering while it delivers', () => {
    const EVENTS = 400;
    const burst = Array.from({ length: EVENTS }, (_, i): HealthCheckEvent => ({ type: 'WORKER_RESULT', healthCheckUuid: 'hc-big', workerCheckUuid: `wc-${i}`, sequence: i + 2 }));

    /** Every socket of the hub full of subscriptions to every run: each event is MAX_SOCKETS × MAX_SUBSCRIPTIONS `next`s. */
    async function crowd(stub: DurableObjectStub<EventHub>): Promise<Client[]> {
      const clients: Client[] = [];
      for (let s = 0; s < MAX_SOCKETS; s++) {
        const c = await ready(stub);
        for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) c.send({ id: `s${i}`, type: 'subscribe', payload: { query: UPDATED } });
        await c.quiet();
        clients.push(c);
      }
      return clients;
    }

    /** Reads a socket's messages until `done` says stop; returns them in arrival order. */
    async function readUntil(c: Client, done: (message: Record<string, unknown>, all: Record<string, unknown>[]) => boolean) {
      const all: Record<string, unknown>[] = [];
      for (;;) {
        const message = await c.next();
        all.push(message);
        if (done(message, all)) return all;
      }
    }

    it(`answers a ping sent during a delivery of ${EVENTS} events before that delivery's last next`, async () => {
      const stub = hub();
      const clients = await crowd(stub);
      const pinger = clients.at(-1)!;
      const total = EVENTS * MAX_SUBSCRIPTIONS;
      await stub.publishMany(burst);
      let nexts = 0;
      let pingSent = false;
      const seen = await readUntil(pinger, (message) => {
        if (message.type === 'next') nexts++;
        if (!pingSent && nexts === 1) {
          pinger.send({ type: 'ping', payload: { during: 'delivery' } });
          pingSent = true;
        }
        return nexts === total;
      });
      const pong = seen.findIndex((message) => message.type === 'pong');
      expect(pong, 'the pong came before the last next').toBeGreaterThan(-1);
      expect(seen.slice(pong + 1).some((message) => message.type === 'next')).toBe(true);
    });

    it("handles another socket's message while a batch's executions run, not only between its sends", async () => {
      const stub = hub();
      // Distinct documents (aliases), so every event costs an execution per subscription.
      const crowd: Client[] = [];
      for (let s = 0; s < MAX_SOCKETS - 1; s++) {
        const c = await ready(stub);
        for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) c.send({ id: `s${i}`, type: 'subscribe', payload: { query: `subscription { d${s}x${i}: healthCheckUpdated { type } }` } });
        await c.quiet();
        crowd.push(c);
      }
      const late = await connect(stub);
      const before = executionsAtAuthentication.length;
      const total = EVENTS * MAX_SUBSCRIPTIONS * crowd.length;
      expect((await stub.publishMany(burst)).reduce((sum, outcome) => sum + outcome.executions, 0)).toBe(total);
      late.send({ type: 'connection_init', payload: { authorization: 'Bearer viewer-key' } });
      expect(await late.next()).toEqual({ type: 'connection_ack' });
      // The key was checked while executions were still to run: they yield to the event loop too.
      expect(executionsAtAuthentication[before]).toBeLessThan(total);
      await stub.drained();
    });

    it('stops an operation the client completes in the middle of a delivery, and carries on with the others', async () => {
      const stub = hub();
      const clients = await crowd(stub);
      const c = clients[0]!;
      await stub.publishMany(burst);
      let stopped = false;
      const seen = await readUntil(c, (message, all) => {
        if (!stopped && message.type === 'next') {
          c.send({ id: 's0', type: 'complete' });
          c.send({ type: 'ping', payload: { after: 'complete' } });
          stopped = true;
        }
        return all.filter((m) => m.type === 'next' && m.id !== 's0').length === EVENTS * (MAX_SUBSCRIPTIONS - 1);
      });
      const pong = seen.findIndex((message) => message.type === 'pong');
      expect(pong).toBeGreaterThan(-1);
      const afterPong = seen.slice(pong + 1);
      expect(afterPong.some((m) => m.type === 'next')).toBe(true); // the delivery was still going on
      expect(afterPong.filter((m) => m.id === 's0')).toEqual([]); // and sent nothing more for s0
      await stub.drained();
      await c.quiet();
    });

    it("handles a subscribe sent during a delivery before that delivery's last next", async () => {
      const stub = hub();
      const clients = await crowd(stub);
      const c = clients[1]!;
      const total = EVENTS * MAX_SUBSCRIPTIONS;
      await stub.publishMany(burst);
      let nexts = 0;
      let sent = false;
      const seen = await readUntil(c, (message) => {
        if (message.type === 'next') nexts++;
        if (!sent && nexts === 1) {
          // refused (an unknown field), so its answer shows when the hub handled it
          c.send({ id: 'mid', type: 'subscribe', payload: { query: 'subscription { nope }' } });
          sent = true;
        }
        return nexts === total;
      });
      const answer = seen.findIndex((message) => message.id === 'mid');
      expect(seen[answer]).toMatchObject({ id: 'mid', type: 'error' });
      expect(seen.slice(answer + 1).some((message) => message.type === 'next')).toBe(true);
    });
  });

  describe('disconnectKey', () => {
    const REVOKED = { code: 4403, reason: 'Forbidden: the API key was revoked' };

    it("closes the key's sockets with 4403 and keeps the others", async () => {
      const stub = hub();
      const revoked = await subscribed(stub, 'w', UPDATED); // viewer-key, named "dashboard"
      const other = await ready(stub, 'Bearer operator-key');
      expect(await stub.disconnectKey('dashboard')).toBe(1);
      expect(await revoked.closed).toEqual(REVOKED);
      await other.quiet();
    });

    it('refuses an init whose key check was in flight when the key was revoked', async () => {
      const stub = hub();
      const pending = await connect(stub);
      const unrelated = await connect(stub);
      let release!: () => void;
      authGate = new Promise((resolve) => (release = resolve));
      pending.send({ type: 'connection_init', payload: { authorization: 'Bearer viewer-key' } });
      unrelated.send({ type: 'connection_init', payload: { authorization: 'Bearer operator-key' } });
      while (authentications < 2) await sleep(5);
      expect(await stub.disconnectKey('dashboard')).toBe(0); // no socket has the key yet
      release();
      expect(await pending.closed).toEqual(REVOKED);
      expect(await unrelated.next()).toEqual({ type: 'connection_ack' });
      // and the refused socket is gone, not ready with the revoked key
      const states = await runInDurableObject(stub, (_instance, state) => state.getWebSockets().map((ws) => (ws.deserializeAttachment() as ConnectionState).auth));
      expect(states.filter((auth) => auth?.keyName === 'dashboard')).toEqual([]);
    });
  });

  describe('the execution limit', () => {
    it(`runs at most ${EXECUTION_CONCURRENCY} executions at once over a whole burst of publishes, and still delivers each operation its events in order`, async () => {
      const stub = hub();
      // Every socket full of distinct documents (aliases make them distinct): many executions per event.
      const clients: Client[] = [];
      for (let s = 0; s < MAX_SOCKETS; s++) {
        const c = await ready(stub);
        for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) c.send({ id: `s${i}`, type: 'subscribe', payload: { query: `subscription { a${s}x${i}: healthCheckUpdated { type } }` } });
        await c.quiet();
        clients.push(c);
      }
      const perEvent = MAX_SOCKETS * MAX_SUBSCRIPTIONS;
      const events: HealthCheckEvent[] = Array.from({ length: 4 }, (_, i) => ({ type: 'STARTED', healthCheckUuid: `hc-${i}`, sequence: 1 }));
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      // Overlapping publishes: two singles and a batch, all answered before anything executes.
      const outcomes = await Promise.all([stub.publish(events[0]!), stub.publish(events[1]!), stub.publishMany(events.slice(2))]);
      expect(outcomes.flat()).toEqual(events.map(() => ({ executions: perEvent, deliveries: perEvent })));
      await sleep(50);
      expect(executions.length).toBe(EXECUTION_CONCURRENCY); // the rest wait for a slot
      expect(inFlight).toBe(EXECUTION_CONCURRENCY);
      release();
      await stub.drained();
      expect(executions.length).toBe(events.length * perEvent);
      expect(mostInFlight).toBe(EXECUTION_CONCURRENCY);
      for (const c of clients) {
        const got = new Map<string, string[]>();
        for (let i = 0; i < events.length * MAX_SUBSCRIPTIONS; i++) {
          const { id, payload } = (await c.next()) as { id: string; payload: { data: { healthCheckUpdated: { uuid: string } } } };
          got.set(id, [...(got.get(id) ?? []), payload.data.healthCheckUpdated.uuid]);
        }
        // Every operation gets every event, in publish order. (Its own document's executions may
        // finish before another operation's: that one's `next`s do not wait for them.)
        expect(Object.fromEntries(got)).toEqual(
          Object.fromEntries(Array.from({ length: MAX_SUBSCRIPTIONS }, (_, i) => [`s${i}`, events.map(({ healthCheckUuid }) => healthCheckUuid)])),
        );
        await c.quiet();
      }
    });
  });

  describe('the init timeout', () => {
    it('closes sockets that never sent connection_init with 4408, and spares the others', async () => {
      const stub = hub();
      const silent = await connect(stub);
      const acknowledged = await ready(stub);
      await sleep(INIT_TIMEOUT_MS + 50);
      await runDurableObjectAlarm(stub); // in case the alarm has not fired by itself yet
      expect(await silent.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
      await acknowledged.quiet();
    });

    it('re-arms the alarm for a socket that connected later', async () => {
      const stub = hub();
      await connect(stub);
      await sleep(INIT_TIMEOUT_MS / 2);
      const later = await connect(stub);
      await sleep(INIT_TIMEOUT_MS / 2 + 50); // the first is due, the second not yet
      await runDurableObjectAlarm(stub);
      const next = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
      const { connectedAt } = await runInDurableObject(stub, (_i, state) => state.getWebSockets().at(-1)!.deserializeAttachment() as ConnectionState);
      expect(next).toBe(connectedAt + INIT_TIMEOUT_MS);
      await sleep(INIT_TIMEOUT_MS / 2);
      await runDurableObjectAlarm(stub);
      expect(await later.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    });
  });

  describe('through the Worker, with the graphql-ws client', () => {
    it('passes a socket to the next shard when one is full', async () => {
      // Pin the first shard with a client id; once every shard is full of authenticated sockets
      // the upgrade gets the 503.
      const url = 'http://orchestrator/graphql?clientId=dashboard-7';
      const statuses = [];
      for (let i = 0; i <= SHARDS * MAX_SOCKETS; i++) {
        const response = await exports.default.fetch(url, { headers: upgradeHeaders });
        statuses.push(response.status);
        if (!response.webSocket) continue;
        const c = rawClient(response.webSocket);
        c.send({ type: 'connection_init', payload: { authorization: 'Bearer viewer-key' } });
        expect(await c.next()).toEqual({ type: 'connection_ack' });
      }
      expect(statuses).toEqual([...Array<number>(SHARDS * MAX_SOCKETS).fill(101), 503]);
    });

    it('speaks the protocol the graphql-ws client expects', async () => {
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
      const stub = hub(shardName(shardOrder(SHARDS, 'interop')[0]!));
      // the subscribe may still be in flight: publish until it lands
      let outcome = { deliveries: 0, executions: 0 };
      for (let i = 0; i < 50 && outcome.deliveries === 0; i++) {
        outcome = await stub.publish({ type: 'WORKER_RESULT', healthCheckUuid: 'hc-9', workerCheckUuid: 'wc-1', sequence: 2 });
        if (!outcome.deliveries) await sleep(10);
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
