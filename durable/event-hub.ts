/**
 * EventHub: graphql-ws (`graphql-transport-ws`) subscriptions over hibernatable WebSockets.
 *
 * Thin glue. Every decision is a pure function in ./graphql-ws: whether an upgrade is accepted and
 * which waiting socket makes room for it (upgrade.ts), what a frame means and what to answer
 * (messages.ts, reducer.ts, on graphql-ws's own codec), when a socket has waited too long for
 * `connection_init` (init-timeout.ts), which sockets a revoked key closes and which inits it
 * refuses (revoked-keys.ts), which subscriptions an event concerns and which executions a publish
 * needs (matching.ts, publish-plan.ts), which deliveries are still wanted once they ran
 * (delivery.ts), which ready `next`s may go out without overtaking an earlier event of the same
 * operation (lanes.ts), when to let the event loop run (yield-budget.ts), what a late subscriber's
 * catch-up sends and leaves (replay.ts). This class feeds them sockets, attachments, the alarm and
 * the clock, and keeps only what cannot be decided ahead: the order of each socket's messages, the
 * lanes of planned `next`s, the catch-ups in progress, and the names of keys revoked lately.
 *
 * A connection's whole state (phase, auth, subscriptions with their documents) lives in its
 * socket's attachment, so the object can hibernate between events and keep its connections; that
 * is why graphql-ws's own server (`makeServer`, a closure per connection and a timer for the init
 * timeout) is not used, only its codec.
 *
 * Sockets are spread over `EVENT_HUB_SHARDS` hubs by the Worker; the run pipeline calls
 * `accept(events)` on every shard (durable/publisher.ts), which answers once the events are checked
 * and the subscriptions they are for are fixed; `publishMany(events)` and `publish(event)` do the
 * same and answer once planned, with what the plan costs. Planning (one pass for the whole call,
 * one event at a time), executing and delivering go on in the background, so watchers never slow
 * the run pipeline down. Executions run EXECUTION_CONCURRENCY at a time and each one's
 * `next`s go out as soon as it is done, so one slow document holds back only its own subscribers;
 * each operation still gets its events in the order they arrived. Sends and executions draw on one
 * budget (DELIVERY_CHUNK sends' worth) and the hub yields to the event loop whenever it is spent,
 * so a publish to a thousand subscribers never keeps another socket's ping, subscribe or complete
 * waiting behind it.
 *
 * A `healthCheckUpdated(uuid)` subscriber first gets its run's story so far from D1, then live
 * events, with no gap and no duplicate at the seam (replay.ts).
 *
 * Vars (all optional): EVENT_HUB_MAX_SOCKETS (1000), EVENT_HUB_MAX_PENDING_SOCKETS (100, at most
 * the socket cap), EVENT_HUB_MAX_SUBSCRIPTIONS (20), EVENT_HUB_MAX_DOCUMENT_BYTES (4096),
 * EVENT_HUB_INIT_TIMEOUT_MS (10000).
 *
 * Only open sockets count: one the hub closed stays listed by the runtime until its peer answers
 * the close (which a client that never authenticated may never do), and must not hold a place. A
 * hub at a cap first closes the socket that has waited longest for `connection_init` (4408) to
 * make room; only when none can go does it refuse the upgrade with 503 and Retry-After rather
 * than accepting and closing with 1013: the refusal reaches the Worker's router before any client
 * sees it, so the router can try the next shard; a client that does get it (every shard full)
 * retries like after any failed handshake.
 */
import { DurableObject } from 'cloudflare:workers';
import { readConnectionState, initialConnectionState, type ConnectionState } from './graphql-ws/connection-state';
import { parseHealthCheckEvent, type HealthCheckEvent } from './graphql-ws/event';
import type { SubscriptionExecutor } from './graphql-ws/executor';
import { createExecutor } from './graphql-ws/executor-registry';
import { EVICTED_CLOSE, initDeadline, INIT_TIMEOUT_CLOSE, planInitTimeouts, shouldSetInitAlarm } from './graphql-ws/init-timeout';
import { readHubLimits, type HubLimits } from './graphql-ws/limits';
import { complete, error as operationError, INTERNAL_CLOSE, INTERNAL_ERROR, nextFrame, serializeServerMessage, type CloseInstruction } from './graphql-ws/messages';
import { Limiter } from './graphql-ws/concurrency';
import { stillWanted } from './graphql-ws/delivery';
import { Lanes, type LaneSlot } from './graphql-ws/lanes';
import { batchPlanner, indexSubscriptions, planAlertBatch, type BatchPlan, type BatchPlanner, type EventDependencies } from './graphql-ws/publish-plan';
import { YieldBudget } from './graphql-ws/yield-budget';
import { alertChangedEvent, type AlertChangedEvent } from '../operations/alerts/events';
import { afterReplay, heldToSend, orderedStory, replaysToStart, sameSubscription, type HeldNext, type ReplayTarget } from './graphql-ws/replay';
import type { ExecuteRequest } from './graphql-ws/executor';
import { handleClientFrame, refuseUnstorableState, type ReducerDeps } from './graphql-ws/reducer';
import { initRevokedMeanwhile, rememberRevokedKey, REVOKED_CLOSE, socketsOfKey, type RevokedKeys } from './graphql-ws/revoked-keys';
import { admitUpgrade, checkUpgradeRequest } from './graphql-ws/upgrade';

/**
 * Executions one hub runs at a time, over all publishes together. Each reads D1 (a query per
 * drizzle field); D1 runs one database's queries one after another, so more in flight would only
 * queue there, as hundreds of pending queries for a burst of events with many distinct documents.
 */
export const EXECUTION_CONCURRENCY = 6;

/**
 * `next` messages sent between two yields to the event loop (executions count too: EXECUTION_WEIGHT).
 * Sending one costs 0.015 to 0.05 ms, so a chunk takes at most about 12 ms, and a yield about 1 ms
 * (a timer turn): a ping, subscribe or complete from any socket is handled between two chunks of
 * even the largest delivery instead of after all of it.
 */
export const DELIVERY_CHUNK = 250;

/**
 * What one execution takes of the same budget, in sends: running a small document and serialising
 * its result is estimated at 10 to 20 sends' worth of work (0.2 to 0.5 ms). An execution waiting
 * on D1 lets the event loop run anyway; this is for those that do not (a document reading nothing
 * but the event, a burst of them), so a thousand of them back to back yield every 25.
 */
export const EXECUTION_WEIGHT = 10;

/**
 * Deliveries planned for one send's worth of the budget: planning one (matching, keying, queueing
 * it) is estimated at a fiftieth of sending it. A batch of 200 events to 1,000 subscriptions
 * (200,000 deliveries) so yields about 16 times while it is planned instead of holding the hub.
 */
export const PLANNED_PER_SEND = 50;

/** WebSocket.readyState of an open socket; CLOSING (2) once either side sent its close. */
const OPEN = 1;

/** A catch-up in progress for one operation: the live `next`s held back until it is sent. */
interface Replay {
  held: HeldNext[];
}

export interface PublishOutcome {
  /**
   * Distinct executions this event starts: one per (document, variables, operation name, role),
   * none for a document already executed for an earlier event of the same call that it reads the
   * same of (publish-plan.ts).
   */
  executions: number;
  /** `next` messages planned (one fewer for each operation completed before its turn). */
  deliveries: number;
}

/** One planned `next`, waiting in its operation's lane (lanes.ts). */
interface PendingNext {
  ws: WebSocket;
  operationId: string;
  /** The execution key it was planned with: a replaced document does not get it. */
  key: string;
  event: HealthCheckEvent | AlertChangedEvent;
}

/** An execution that is done: its result, and the deliveries waiting for it, in plan order. */
interface Completion {
  slots: LaneSlot<PendingNext>[];
  json: string;
}

export class EventHub extends DurableObject<Env> {
  private readonly limits: HubLimits;
  private executorInstance: SubscriptionExecutor | null = null;
  /** Shared by every publish: publishes overlap (they answer once planned), their executions queue here. */
  private readonly executionSlots = new Limiter(EXECUTION_CONCURRENCY);
  /** Per socket, the tail of its message chain: one socket's messages are handled in order. */
  private readonly queues = new Map<WebSocket, Promise<void>>();
  /** Counts attachment writes and closes, so a publish knows whether states moved under it. */
  private stateChanges = 0;
  /** Key names `disconnectKey` was told about lately, with when (revoked-keys.ts). */
  private revokedKeys: RevokedKeys = new Map();
  /** Every planned `next`, in its operation's lane: each operation gets its events in order. */
  private readonly lanes = new Lanes<WebSocket, PendingNext>();
  /** Executions done whose `next`s are not sent yet, in the order they finished. */
  private readonly completions: Completion[] = [];
  /** The one task sending completions' `next`s (so sends never interleave), while there are any. */
  private sending: Promise<void> | null = null;
  /** Each publish call's executions still running, for `drained`. */
  private readonly executing = new Set<Promise<void>>();
  /** Publish calls being planned or waiting to be: they are planned one after another, in arrival order. */
  private planners = 0;
  private planTail: Promise<void> = Promise.resolve();
  /** Sends and executions between two yields to the event loop (DELIVERY_CHUNK sends' worth). */
  private readonly budget = new YieldBudget(DELIVERY_CHUNK, () => new Promise((resolve) => setTimeout(resolve, 0)));
  /** Socket states as read since the last state change (stateChanges), for the deliveries' checks. */
  private statesRead = new Map<WebSocket, ConnectionState | null>();
  private statesReadAt = -1;
  /** Catch-ups in progress, per socket and operation id (replay.ts). */
  private readonly replays = new Map<WebSocket, Map<string, Replay>>();
  /** Those catch-ups' tasks, for `drained`. */
  private readonly replaying = new Set<Promise<void>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The EVENT_HUB_* vars are optional (env.d.ts); each has a default.
    const { limits, warnings } = readHubLimits(env);
    for (const warning of warnings) console.warn(`EventHub: ${warning}`);
    this.limits = limits;
    // The graphql-ws client's keep-alive ping is answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  private get executor(): SubscriptionExecutor {
    return (this.executorInstance ??= createExecutor(this.env));
  }

  override async fetch(request: Request): Promise<Response> {
    const upgrade = checkUpgradeRequest(request.headers);
    if (!upgrade.ok) return new Response(upgrade.body, { status: upgrade.status, headers: upgrade.headers });
    const sockets = this.openSockets();
    // A socket with a message being handled (its connection_init may be being checked) is busy:
    // it is never the one closed to make room.
    const admission = admitUpgrade(this.limits, sockets.length, () => sockets.map(readState), Date.now(), (index) => this.queues.has(sockets[index]!));
    if (!admission.accept) return new Response(admission.refusal.body, { status: admission.refusal.status, headers: admission.refusal.headers });
    if (admission.evict !== null) this.close(sockets[admission.evict]!, EVICTED_CLOSE);

    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    const state = initialConnectionState(Date.now());
    server.serializeAttachment(state);
    const deadline = initDeadline(state, this.limits.initTimeoutMs);
    if (shouldSetInitAlarm(await this.ctx.storage.getAlarm(), deadline)) await this.ctx.storage.setAlarm(deadline);
    return new Response(null, { status: 101, webSocket: client, headers: { 'Sec-WebSocket-Protocol': upgrade.protocol } });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.serially(ws, () => this.handleMessage(ws, message));
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.queues.delete(ws);
    this.replays.delete(ws);
    this.lanes.drop(ws);
    // Answer the client's close frame, completing the closing handshake: without it (local
    // workerd does not answer for us) the client sees 1006 about 20 s later instead of its own
    // code at once. 1005/1006 are reserved and cannot be sent back; a socket already closed throws.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closing or closed: nothing to answer.
    }
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.warn('EventHub: socket error', error);
    this.queues.delete(ws);
    this.replays.delete(ws);
    this.lanes.drop(ws);
  }

  /** Closes every socket still awaiting `connection_init` past its deadline (4408). */
  override async alarm(): Promise<void> {
    const sockets = this.openSockets();
    const plan = planInitTimeouts(sockets.map(readState), Date.now(), this.limits.initTimeoutMs);
    for (const index of plan.close) this.close(sockets[index]!, INIT_TIMEOUT_CLOSE);
    if (plan.nextAlarmAt !== null) await this.ctx.storage.setAlarm(plan.nextAlarmAt);
  }

  /**
   * Sends `next` to every subscription the event concerns, on acknowledged sockets. One execution
   * per distinct (document, variables, operation name, role); its result is serialised once.
   *
   * Resolves as soon as the event is planned: executing and sending go on in the background
   * (ctx.waitUntil), so the run pipeline that publishes never waits for its watchers, however
   * many documents they run. Executions run concurrently (EXECUTION_CONCURRENCY at a time, first
   * come first served) and each one's `next`s go out as soon as it is done: a slow document holds
   * back only its own subscribers. Each operation still gets its events in the order they were
   * published (lanes.ts): a run's WORKER_RESULT never overtakes its STARTED because STARTED's
   * document took longer to run.
   */
  async publish(event: HealthCheckEvent): Promise<PublishOutcome> {
    const [outcome] = await this.publishEvents([validEvent(event, 'EventHub.publish: ')]);
    return outcome!;
  }

  /**
   * `publish` for several events in one call, as consecutive publishes of them in the given order
   * would be for every subscriber: each operation gets one `next` per event it matches, in that
   * order. Planned in one pass, and cheaper: a document that reads nothing of the event that tells
   * two of the call's events apart (SubscriptionExecutor.eventDependencies; e.g. one selecting only
   * `healthCheck { status }`, for a batch of one run's results) is executed once for them, and that
   * result is sent for each. A batch (a run's timeout fails hundreds of workers at once) costs the
   * pipeline one call per shard instead of one per event. Every event is checked first: an invalid
   * one throws a TypeError and nothing of the batch is delivered. Answers once planned, one
   * outcome per event.
   */
  async publishMany(events: HealthCheckEvent[]): Promise<PublishOutcome[]> {
    if (!Array.isArray(events)) throw new TypeError('EventHub.publishMany: events must be an array');
    return this.publishEvents(events.map((event, index) => validEvent(event, `EventHub.publishMany: events[${index}]: `)));
  }

  /**
   * `publishMany`, answering as soon as the events are accepted: checked (an invalid one throws a
   * TypeError and nothing of the call is delivered) and the subscriptions they are for fixed (the
   * sockets' states read now, exactly as publishMany reads them); planning, executing and sending
   * go on in the background, so the caller's RPC never waits for a big batch's planning either.
   * What the publisher (durable/publisher.ts) calls. Returns how many events were accepted.
   */
  async accept(events: HealthCheckEvent[]): Promise<number> {
    if (!Array.isArray(events)) throw new TypeError('EventHub.accept: events must be an array');
    const valid = events.map((event, index) => validEvent(event, `EventHub.accept: events[${index}]: `));
    void this.publishEvents(valid).catch((error: unknown) => console.error('EventHub: planning failed', error));
    return valid.length;
  }

  /**
   * Tells `alertChanged` subscribers that these alerts changed (operations/alerts: after the
   * change is in D1), one event per alert, delivered like run events: in the background, each
   * operation getting them in order.
   */
  async publishAlertChanges(alertIds: number[]): Promise<PublishOutcome[]> {
    if (!Array.isArray(alertIds) || !alertIds.every((id) => Number.isSafeInteger(id) && id > 0)) {
      throw new TypeError('EventHub.publishAlertChanges: alertIds must be positive integers');
    }
    const sockets = this.openSockets();
    const states = sockets.map(readState);
    const changesAtSnapshot = this.stateChanges;
    return this.inTurn(async () => this.start(sockets, states, changesAtSnapshot, planAlertBatch(states, alertIds.map(alertChangedEvent), this.eventDependencies)));
  }

  private publishEvents(events: readonly HealthCheckEvent[]): Promise<PublishOutcome[]> {
    // The subscriptions a call is for are those of its arrival: one snapshot serves all its
    // events, read now, before anything awaits; they are indexed once for all of them.
    const sockets = this.openSockets();
    const states = sockets.map(readState);
    const changesAtSnapshot = this.stateChanges;
    return this.inTurn(() => this.planInChunks(sockets, states, changesAtSnapshot, batchPlanner(events, this.eventDependencies, indexSubscriptions(states)), events.length));
  }

  /**
   * Runs one call's planning after every call that arrived before it (so lanes fill in arrival
   * order), or at once, without a turn of the event loop, when none is pending.
   */
  private inTurn(task: () => Promise<PublishOutcome[]>): Promise<PublishOutcome[]> {
    const after = this.planners > 0 ? this.planTail : null;
    this.planners++;
    const run = (after ? after.then(task) : task()).finally(() => this.planners--);
    this.planTail = run.then(
      () => {},
      () => {},
    );
    this.ctx.waitUntil(this.planTail);
    return run;
  }

  /** Plans a call one event at a time on the yield budget, so a big batch does not hold the hub while it is planned. */
  private async planInChunks(
    sockets: WebSocket[],
    states: (ConnectionState | null)[],
    changesAtSnapshot: number,
    planner: BatchPlanner<HealthCheckEvent>,
    count: number,
  ): Promise<PublishOutcome[]> {
    for (let eventIndex = 0; eventIndex < count; eventIndex++) {
      let wait: Promise<void> | null;
      while ((wait = this.budget.wait())) await wait;
      this.budget.spend(planner.planEvent(eventIndex) / PLANNED_PER_SEND);
    }
    return this.start(sockets, states, changesAtSnapshot, planner.plan());
  }

  /** What a stored document reads of the event, as the executor says (null: all of it). */
  private readonly eventDependencies: EventDependencies = (subscription) => this.executor.eventDependencies?.(subscription) ?? null;

  /**
   * Reserves every planned `next` its place in its operation's lane, in plan order (event order),
   * then starts the executions; each one's `next`s are sent as soon as it is done (`sending`).
   * Synchronous up to the executions, so lanes are filled in the order the calls arrived.
   */
  private start(sockets: WebSocket[], states: (ConnectionState | null)[], changesAtSnapshot: number, plan: BatchPlan): PublishOutcome[] {
    const outcomes = plan.costs.map(({ executions, deliveries }) => ({ executions, deliveries }));
    if (plan.deliveries.length === 0) return outcomes;
    // States read at arrival are the states now if nothing changed since: the checks before
    // sending start from them.
    if (changesAtSnapshot === this.stateChanges) this.rememberStates(sockets, states);
    this.budget.spend(plan.deliveries.length / PLANNED_PER_SEND); // the lanes' reservations
    const waiting: LaneSlot<PendingNext>[][] = plan.executions.map(() => []);
    for (const { socket, operationId, execution, event } of plan.deliveries) {
      const ws = sockets[socket]!;
      waiting[execution]!.push(this.lanes.reserve(ws, operationId, { ws, operationId, key: plan.executions[execution]!.key, event: plan.events[event]! }));
    }
    // Queued in plan order, first come first served: an earlier event's executions start first.
    const executions = Promise.all(
      plan.executions.map(({ request }, index) =>
        this.executionSlots.run(async () => {
          const json = await this.executeToJson(request);
          this.completions.push({ slots: waiting[index]!, json });
          this.startSending();
        }),
      ),
    ).then(() => {});
    this.executing.add(executions);
    void executions.finally(() => this.executing.delete(executions));
    // Pending work keeps the object in memory until it is done (compatibility date >= 2026-10-01).
    this.ctx.waitUntil(executions.then(() => this.sending ?? undefined));
    return outcomes;
  }

  private startSending(): void {
    if (this.sending) return;
    this.sending = this.sendCompletions()
      .catch((error: unknown) => console.error('EventHub: delivery failed', error))
      .finally(() => {
        this.sending = null;
        if (this.completions.length > 0) this.startSending(); // one finished as this one ended
      });
  }

  /**
   * Sends what each finished execution released, in the order they finished: a `next` goes as
   * soon as its own execution and every earlier event's for the same operation are done.
   * One at a time, yielding to the event loop when the budget is spent.
   */
  private async sendCompletions(): Promise<void> {
    let completion: Completion | undefined;
    while ((completion = this.completions.shift())) {
      for (const slot of completion.slots) {
        for (const released of this.lanes.ready(slot, completion.json)) {
          let wait: Promise<void> | null;
          while ((wait = this.budget.wait())) await wait;
          const { ws, operationId, key, event } = released.value;
          // A client may complete (or replace) an operation while the executions run or while earlier
          // sends go out; the spec says nothing more may be sent for it.
          if (!stillWanted(this.stateNow(ws), operationId, key, event)) continue;
          this.deliverNext(ws, operationId, 'sequence' in event ? event.sequence : 0, nextFrame(operationId, released.payload!));
        }
      }
    }
  }

  /** Seeds the states read for deliveries' checks with a snapshot taken just now. */
  private rememberStates(sockets: WebSocket[], states: (ConnectionState | null)[]): void {
    if (this.statesReadAt !== this.stateChanges) {
      this.statesRead = new Map();
      this.statesReadAt = this.stateChanges;
    }
    sockets.forEach((ws, index) => this.statesRead.set(ws, states[index] ?? null));
  }

  /** A socket's state now: re-read once anything changed (once per change, not per delivery). */
  private stateNow(ws: WebSocket): ConnectionState | null {
    if (this.statesReadAt !== this.stateChanges) {
      this.statesRead = new Map();
      this.statesReadAt = this.stateChanges;
    }
    let state = this.statesRead.get(ws);
    if (state === undefined) this.statesRead.set(ws, (state = readState(ws)));
    return state;
  }

  /** One execution's `next` payload, serialised once; a throw is masked (and logged). */
  private async executeToJson(request: ExecuteRequest): Promise<string> {
    // An execution that never waits on I/O keeps the event loop as busy as sends do.
    let wait: Promise<void> | null;
    while ((wait = this.budget.wait())) await wait;
    this.budget.spend(EXECUTION_WEIGHT);
    try {
      return JSON.stringify(await this.executor.execute(request));
    } catch (error) {
      console.error('EventHub: subscription execution failed', error);
      return JSON.stringify({ errors: [INTERNAL_ERROR] });
    }
  }

  /** A live `next` for an operation: held back while its catch-up is being sent, else sent. */
  private deliverNext(ws: WebSocket, operationId: string, sequence: number, frame: string): void {
    const replay = this.replays.get(ws)?.get(operationId);
    if (replay) replay.held.push({ sequence, frame });
    else this.send(ws, frame);
    this.budget.spend();
  }

  /**
   * Closes every socket authenticated with `keyName` (4403): a revoked key stops receiving at
   * once rather than at its next reconnect. Returns how many sockets were closed.
   *
   * A socket whose `connection_init` is still being checked has no key yet and is not closed
   * here; the key checked may predate the revocation, so the name is remembered a while and such
   * an init is refused (4403) when its check comes back (handleMessage).
   */
  async disconnectKey(keyName: string): Promise<number> {
    this.revokedKeys = rememberRevokedKey(this.revokedKeys, keyName, Date.now());
    const sockets = this.openSockets();
    const doomed = socketsOfKey(sockets.map(readState), keyName);
    for (const index of doomed) this.close(sockets[index]!, REVOKED_CLOSE);
    return doomed.length;
  }

  /**
   * Resolves once everything published so far has been sent, and every catch-up begun so far:
   * for tests, and for a clean stop.
   */
  async drained(): Promise<void> {
    while (this.planners > 0 || this.executing.size > 0 || this.replaying.size > 0 || this.sending) {
      await this.planTail;
      await Promise.all([...this.executing, ...this.replaying]);
      await this.sending;
    }
  }

  private async handleMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const state = readState(ws);
    if (!state) {
      console.error('EventHub: unreadable socket attachment');
      return this.close(ws, INTERNAL_CLOSE);
    }
    // The reducer turns a failing authenticate into 4500 and a failing validate into a masked
    // error; the reason is only logged here.
    const deps: ReducerDeps = {
      authenticate: (authorization) => logged('authenticate', () => this.executor.authenticate(authorization)),
      validate: (request) => logged('validate', () => this.executor.validate(request)),
      limits: this.limits,
    };
    const result = await handleClientFrame(state, message, deps);
    if (result.close) return this.close(ws, result.close);
    // The key was revoked while this init was being checked (disconnectKey could not see it yet).
    // Nothing awaits between here and the attachment write, so no revocation can slip in after.
    if (initRevokedMeanwhile(state, result.state, this.revokedKeys, Date.now())) return this.close(ws, REVOKED_CLOSE);
    let send = result.send;
    // A new healthCheckUpdated(uuid) operation gets its run's story first (replay.ts). Registered
    // before the state is stored, in the same synchronous step: from the moment a publish can see
    // the operation, its live `next`s are held back until the catch-up is sent.
    let replays = replaysToStart(state, result.state);
    for (const { operationId } of replays) this.replaysOf(ws).set(operationId, { held: [] });
    if (result.state !== state) {
      try {
        ws.serializeAttachment(result.state);
        this.stateChanges++;
      } catch (error) {
        console.error('EventHub: serializeAttachment refused a connection state', error);
        for (const { operationId } of replays) this.replays.get(ws)?.delete(operationId);
        replays = [];
        const refusal = refuseUnstorableState(state, result.state);
        if (refusal.close) return this.close(ws, refusal.close);
        send = refusal.send;
      }
    }
    for (const outgoing of send) this.send(ws, serializeServerMessage(outgoing));
    // In the background, not on this socket's message chain: its next ping or subscribe is not
    // kept waiting for the story's executions.
    for (const target of replays) this.startReplay(ws, target, result.state);
  }

  private replaysOf(ws: WebSocket): Map<string, Replay> {
    let byOperation = this.replays.get(ws);
    if (!byOperation) this.replays.set(ws, (byOperation = new Map()));
    return byOperation;
  }

  private startReplay(ws: WebSocket, target: ReplayTarget, stored: ConnectionState): void {
    const replay = this.replays.get(ws)?.get(target.operationId);
    if (!replay) return;
    const task = this.replay(ws, target, stored, replay)
      .catch((failure: unknown) => {
        console.error('EventHub: catch-up failed', failure);
        this.endReplayWithError(ws, target.operationId, replay);
      })
      .finally(() => {
        this.replaying.delete(task);
        const byOperation = this.replays.get(ws);
        if (byOperation?.get(target.operationId) === replay) {
          byOperation.delete(target.operationId);
          if (byOperation.size === 0) this.replays.delete(ws);
        }
      });
    this.replaying.add(task);
    this.ctx.waitUntil(task);
  }

  /** Whether `replay` is still the catch-up of that operation (not completed, not replaced). */
  private stillReplaying(ws: WebSocket, operationId: string, replay: Replay): boolean {
    return this.replays.get(ws)?.get(operationId) === replay && ws.readyState === OPEN;
  }

  /**
   * Sends one operation's catch-up: the story so far, executed with its stored document, in
   * sequence order; then either `complete` (the story ended with COMPLETED) or the live `next`s
   * held back meanwhile that are newer than the story, with `after` stored for later ones.
   */
  private async replay(ws: WebSocket, { operationId, healthCheckUuid }: ReplayTarget, stored: ConnectionState, replay: Replay): Promise<void> {
    const subscription = stored.subscriptions[operationId]!;
    const auth = stored.auth!;
    const story = orderedStory(await this.executor.history(healthCheckUuid));
    if (!this.stillReplaying(ws, operationId, replay)) return;
    const { query, variables, operationName } = subscription;
    // Through the same FIFO slots as the publishes' executions, in story order.
    const payloads = story.map((event) => this.executionSlots.run(() => this.executeToJson({ query, variables, operationName, event, auth: { role: auth.role } })));
    for (const payload of payloads) {
      const json = await payload;
      if (!this.stillReplaying(ws, operationId, replay)) return;
      const current = readState(ws)?.subscriptions[operationId];
      if (!current || !sameSubscription(current, subscription)) return;
      let wait: Promise<void> | null;
      while ((wait = this.budget.wait())) await wait;
      this.send(ws, nextFrame(operationId, json));
      this.budget.spend();
    }
    if (!this.stillReplaying(ws, operationId, replay)) return;
    // Nothing awaits from here on: no publish and no message runs between the state and the sends.
    const outcome = afterReplay(readState(ws), operationId, subscription, story);
    if (outcome.kind === 'gone') return;
    ws.serializeAttachment(outcome.state);
    this.stateChanges++;
    this.replays.get(ws)?.delete(operationId);
    if (outcome.kind === 'complete') {
      this.send(ws, serializeServerMessage(complete(operationId)));
      return;
    }
    for (const next of heldToSend(replay.held, outcome.after)) this.send(ws, next.frame);
  }

  /** A catch-up that could not be read or sent: the operation ends with an error (the spec's `error`). */
  private endReplayWithError(ws: WebSocket, operationId: string, replay: Replay): void {
    if (!this.stillReplaying(ws, operationId, replay)) return;
    const state = readState(ws);
    if (!state || !Object.hasOwn(state.subscriptions, operationId)) return;
    const { [operationId]: _failed, ...rest } = state.subscriptions;
    try {
      ws.serializeAttachment({ ...state, subscriptions: rest });
      this.stateChanges++;
    } catch (failure) {
      console.error('EventHub: serializeAttachment refused a connection state', failure);
    }
    this.replays.get(ws)?.delete(operationId);
    this.send(ws, serializeServerMessage(operationError(operationId, [INTERNAL_ERROR])));
  }

  /** The sockets that are open: one being closed neither counts for the caps nor gets events. */
  private openSockets(): WebSocket[] {
    return this.ctx.getWebSockets().filter((ws) => ws.readyState === OPEN);
  }

  private serially(ws: WebSocket, task: () => Promise<void>): Promise<void> {
    const run = (this.queues.get(ws) ?? Promise.resolve()).then(task).catch((error: unknown) => {
      console.error('EventHub: message handling failed', error);
      this.close(ws, INTERNAL_CLOSE);
    });
    this.queues.set(ws, run);
    return run.finally(() => {
      if (this.queues.get(ws) === run) this.queues.delete(ws);
    });
  }

  private send(ws: WebSocket, text: string): boolean {
    try {
      ws.send(text);
      return true;
    } catch {
      return false; // closed or closing meanwhile
    }
  }

  private close(ws: WebSocket, { code, reason }: CloseInstruction): void {
    this.stateChanges++;
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }
}

async function logged<T>(what: string, task: () => T | Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (error) {
    console.error(`EventHub: ${what} failed`, error);
    throw error;
  }
}

/** The event as a HealthCheckEvent, or a TypeError whose message starts with `context`. */
function validEvent(value: unknown, context: string): HealthCheckEvent {
  const parsed = parseHealthCheckEvent(value);
  if (!parsed.ok) throw new TypeError(`${context}${parsed.error}`);
  return parsed.event;
}

function readState(ws: WebSocket): ConnectionState | null {
  try {
    return readConnectionState(ws.deserializeAttachment());
  } catch {
    return null;
  }
}
