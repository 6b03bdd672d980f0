/**
 * What one publish has to do: which (socket, operation) pairs get a `next`, and the distinct
 * executions behind them. Subscribers with the same document, variables, operation name and role
 * share one execution, so a thousand identical dashboards cost one execution per event.
 *
 * A call with several events (publishMany, a deadline ending hundreds of workers) is planned in one
 * pass (planBatch): the subscriptions are indexed once, each run's candidates merged once, and an
 * execution is also shared across the call's events when its document reads nothing of the event
 * that tells them apart (its event dependencies, SubscriptionExecutor.eventDependencies): a
 * dashboard selecting only `healthCheck { status completedWorkers }` costs one execution for the
 * whole batch of its run, not one per event. Every event is still delivered, each as its own
 * `next`: sharing an execution never drops or merges an event.
 */
import type { ConnectionAuth, ConnectionState, StoredSubscription } from './connection-state';
import type { HealthCheckEvent } from './event';
import type { ExecuteRequest } from './executor';
import type { AlertChangedEvent } from '../../operations/alerts/events';
import { matches } from './matching';

export interface PlannedExecution {
  key: string;
  request: ExecuteRequest;
}

export interface PlannedDelivery {
  /** Index into the given list of sockets. */
  socket: number;
  operationId: string;
  /** Index into `executions`. */
  execution: number;
}

export interface PublishPlan {
  executions: PlannedExecution[];
  deliveries: PlannedDelivery[];
}

export interface BatchDelivery extends PlannedDelivery {
  /** Index into the batch's events: the event this `next` stands for. */
  event: number;
}

/** What one event of a batch costs: the executions it starts (none when it shares an earlier event's) and its `next`s. */
export interface EventCost {
  executions: number;
  deliveries: number;
}

/**
 * A whole call's plan. `executions[i].request.event` is the first event the execution serves; the
 * others it serves read the same of the event (same dependencies). `deliveries` are in event
 * order, then subscription order; each names its own event.
 */
export interface BatchPlan<E = HealthCheckEvent | AlertChangedEvent> {
  events: readonly E[];
  executions: PlannedExecution[];
  deliveries: BatchDelivery[];
  costs: EventCost[];
}

/**
 * The properties of the event a subscription's result reads (SubscriptionExecutor.eventDependencies),
 * sorted; null when unknown, which means all of them. Asked once per distinct execution key per call.
 */
export type EventDependencies = (subscription: Pick<StoredSubscription, 'query' | 'variables' | 'operationName'>) => readonly string[] | null;

const everyProperty: EventDependencies = () => null;

/** What of `event` a result with these dependencies can differ by: events with the same share key give the same result. */
export function eventShareKey(event: HealthCheckEvent | AlertChangedEvent, dependencies: readonly string[] | null): string {
  if (dependencies === null) return stableStringify(event);
  const record = event as unknown as Record<string, unknown>;
  return stableStringify(dependencies.map((name) => record[name] ?? null));
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` variables give the same key. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableStringify(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function executionKey(subscription: Pick<StoredSubscription, 'query' | 'variables' | 'operationName'>, role: string): string {
  return stableStringify([subscription.query, subscription.variables ?? null, subscription.operationName ?? null, role]);
}

/** One acknowledged socket's subscription, as planning needs it. */
interface IndexedSubscription {
  /** Its place in socket order, then the socket's operation order: deliveries keep this order. */
  order: number;
  socket: number;
  operationId: string;
  subscription: StoredSubscription;
  role: ConnectionAuth['role'];
  /** executionKey, computed the first time an event needs it. */
  key?: string;
}

/**
 * Every subscription of acknowledged sockets, read once for all the events of a publish and
 * grouped by what they can match, so a batch of events (a deadline ending hundreds of workers)
 * costs one pass over the subscriptions plus, per event, only the ones it can concern.
 */
export interface SubscriptionIndex {
  /** healthCheckUpdated without a uuid: every event. */
  everyRun: IndexedSubscription[];
  /** healthCheckUpdated(uuid), by uuid. */
  byRun: Map<string, IndexedSubscription[]>;
  /** healthCheckCompleted: COMPLETED events. */
  completions: IndexedSubscription[];
}

export function indexSubscriptions(states: ReadonlyArray<ConnectionState | null>): SubscriptionIndex {
  const index: SubscriptionIndex = { everyRun: [], byRun: new Map(), completions: [] };
  let order = 0;
  states.forEach((state, socket) => {
    if (!state || state.phase !== 'ready' || !state.auth) return;
    const { role } = state.auth;
    for (const [operationId, subscription] of Object.entries(state.subscriptions)) {
      const entry: IndexedSubscription = { order: order++, socket, operationId, subscription, role };
      if (subscription.field === 'healthCheckCompleted') index.completions.push(entry);
      else if (subscription.field !== 'healthCheckUpdated') continue; // matches nothing (matching.ts)
      else if (typeof subscription.args.uuid === 'string') {
        const bucket = index.byRun.get(subscription.args.uuid);
        if (bucket) bucket.push(entry);
        else index.byRun.set(subscription.args.uuid, [entry]);
      } else if (subscription.args.uuid === undefined || subscription.args.uuid === null) index.everyRun.push(entry);
    }
  });
  return index;
}

/** What one event needs: planBatch for that event alone. */
export function planPublish(states: ReadonlyArray<ConnectionState | null>, event: HealthCheckEvent, index: SubscriptionIndex = indexSubscriptions(states)): PublishPlan {
  const { executions, deliveries } = planBatch(states, [event], everyProperty, index);
  return { executions, deliveries };
}

/**
 * Collects a batch's deliveries, sharing one execution among the subscriptions with the same
 * execution key whose events read the same (eventShareKey): within one event that is every
 * subscription with that key; across events, only those whose document does
 * not read what tells the events apart.
 */
function batchCollector<E extends HealthCheckEvent | AlertChangedEvent>(events: readonly E[], dependencies: EventDependencies) {
  const executions: PlannedExecution[] = [];
  const byShareKey = new Map<string, number>();
  /** Per execution key: its document's dependencies, and the execution it got for the latest event. */
  const byKey = new Map<string, { reads: readonly string[] | null; event: number; execution: number }>();
  const deliveries: BatchDelivery[] = [];
  const costs: EventCost[] = events.map(() => ({ executions: 0, deliveries: 0 }));
  return {
    add(eventIndex: number, socket: number, operationId: string, subscription: StoredSubscription, role: ConnectionAuth['role'], key = executionKey(subscription, role)) {
      let known = byKey.get(key);
      if (!known) byKey.set(key, (known = { reads: readsOf(dependencies, subscription), event: -1, execution: -1 }));
      // Once per (key, event): which execution serves it, maybe an earlier event's.
      if (known.event !== eventIndex) {
        const event = events[eventIndex]!;
        const shareKey = `${key}\n${eventShareKey(event, known.reads)}`;
        let execution = byShareKey.get(shareKey);
        if (execution === undefined) {
          execution = executions.length;
          byShareKey.set(shareKey, execution);
          const { query, variables, operationName } = subscription;
          // The event is the root value the subscription field's resolver reads.
          executions.push({ key, request: { query, variables, operationName, event, auth: { role } } });
          costs[eventIndex]!.executions++;
        }
        known.event = eventIndex;
        known.execution = execution;
      }
      deliveries.push({ socket, operationId, execution: known.execution, event: eventIndex });
      costs[eventIndex]!.deliveries++;
    },
    plan: (): BatchPlan<E> => ({ events, executions, deliveries, costs }),
  };
}

/** An executor's answer, or null (every property) when it has none or fails. */
function readsOf(dependencies: EventDependencies, subscription: StoredSubscription): readonly string[] | null {
  try {
    const reads = dependencies(subscription);
    return Array.isArray(reads) && reads.every((name) => typeof name === 'string') ? [...reads].sort() : null;
  } catch {
    return null;
  }
}

/** A batch being planned one event at a time (planBatch in steps), so a caller can yield between them. */
export interface BatchPlanner<E> {
  /** Plans event `eventIndex` (call each once, in order); returns how many deliveries it added. */
  planEvent(eventIndex: number): number;
  plan(): BatchPlan<E>;
}

/**
 * planPublish for every event of one call, in one pass: one index of the subscriptions, each run's
 * candidates merged and ordered once, executions shared within an event by execution key and
 * across events when the document's event dependencies allow (see above). Every matching
 * (socket, operation) still gets one delivery per event.
 */
export function planBatch(
  states: ReadonlyArray<ConnectionState | null>,
  events: readonly HealthCheckEvent[],
  dependencies: EventDependencies = everyProperty,
  index: SubscriptionIndex = indexSubscriptions(states),
): BatchPlan<HealthCheckEvent> {
  const planner = batchPlanner(events, dependencies, index);
  events.forEach((_event, eventIndex) => planner.planEvent(eventIndex));
  return planner.plan();
}

/** planBatch, one event at a time. */
export function batchPlanner(events: readonly HealthCheckEvent[], dependencies: EventDependencies, index: SubscriptionIndex): BatchPlanner<HealthCheckEvent> {
  const batch = batchCollector(events, dependencies);
  const candidatesOf = new Map<string, IndexedSubscription[]>();
  let planned = 0;
  return {
    planEvent(eventIndex) {
      const event = events[eventIndex]!;
      const completing = event.type === 'COMPLETED';
      const cacheKey = `${completing ? 'C' : 'U'}${event.healthCheckUuid}`;
      let candidates = candidatesOf.get(cacheKey);
      if (!candidates) {
        candidates = [...index.everyRun, ...(index.byRun.get(event.healthCheckUuid) ?? []), ...(completing ? index.completions : [])];
        candidates.sort((a, b) => a.order - b.order);
        candidatesOf.set(cacheKey, candidates);
      }
      const before = planned;
      for (const entry of candidates) {
        if (!matches(entry.subscription, event)) continue;
        batch.add(eventIndex, entry.socket, entry.operationId, entry.subscription, entry.role, (entry.key ??= executionKey(entry.subscription, entry.role)));
        planned++;
      }
      return planned - before;
    },
    plan: batch.plan,
  };
}

/**
 * Every acknowledged socket's `alertChanged` subscriptions, for every alert event of one call,
 * sharing executions as planBatch does. (Run events never match them: matching.ts.)
 */
export function planAlertBatch(
  states: ReadonlyArray<ConnectionState | null>,
  events: readonly AlertChangedEvent[],
  dependencies: EventDependencies = everyProperty,
): BatchPlan<AlertChangedEvent> {
  const batch = batchCollector(events, dependencies);
  const subscribers: { socket: number; operationId: string; subscription: StoredSubscription; role: ConnectionAuth['role']; key: string }[] = [];
  states.forEach((state, socket) => {
    if (!state || state.phase !== 'ready' || !state.auth) return;
    for (const [operationId, subscription] of Object.entries(state.subscriptions)) {
      if (subscription.field === 'alertChanged') subscribers.push({ socket, operationId, subscription, role: state.auth.role, key: executionKey(subscription, state.auth.role) });
    }
  });
  events.forEach((_event, eventIndex) => {
    for (const { socket, operationId, subscription, role, key } of subscribers) batch.add(eventIndex, socket, operationId, subscription, role, key);
  });
  return batch.plan();
}
