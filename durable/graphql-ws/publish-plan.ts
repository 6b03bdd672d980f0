/**
 * What one publish has to do: which (socket, operation) pairs get a `next`, and the distinct
 * executions behind them. Subscribers with the same document, variables, operation name and role
 * share one execution, so a thousand identical dashboards cost one execution per event.
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

/**
 * Collects one publish's deliveries, sharing one execution among the subscriptions with the same
 * document, variables and role (their execution key): the one rule both planners follow.
 */
function sharedExecutions(event: HealthCheckEvent | AlertChangedEvent) {
  const executions: PlannedExecution[] = [];
  const byKey = new Map<string, number>();
  const deliveries: PlannedDelivery[] = [];
  return {
    add(socket: number, operationId: string, subscription: StoredSubscription, role: ConnectionAuth['role'], key = executionKey(subscription, role)) {
      let execution = byKey.get(key);
      if (execution === undefined) {
        execution = executions.length;
        byKey.set(key, execution);
        const { query, variables, operationName } = subscription;
        // The event is the root value the subscription field's resolver reads.
        executions.push({ key, request: { query, variables, operationName, event, auth: { role } } });
      }
      deliveries.push({ socket, operationId, execution });
    },
    plan: (): PublishPlan => ({ executions, deliveries }),
  };
}

export function planPublish(states: ReadonlyArray<ConnectionState | null>, event: HealthCheckEvent, index: SubscriptionIndex = indexSubscriptions(states)): PublishPlan {
  const candidates = [...index.everyRun, ...(index.byRun.get(event.healthCheckUuid) ?? []), ...(event.type === 'COMPLETED' ? index.completions : [])];
  candidates.sort((a, b) => a.order - b.order);
  const plan = sharedExecutions(event);
  for (const entry of candidates) {
    if (!matches(entry.subscription, event)) continue;
    plan.add(entry.socket, entry.operationId, entry.subscription, entry.role, (entry.key ??= executionKey(entry.subscription, entry.role)));
  }
  return plan.plan();
}

/**
 * What one `alertChanged` publish has to do: every acknowledged socket's `alertChanged`
 * subscriptions, sharing executions as planPublish does. (Run events never match them: matching.ts.)
 */
export function planAlertPublish(states: ReadonlyArray<ConnectionState | null>, event: AlertChangedEvent): PublishPlan {
  const plan = sharedExecutions(event);
  states.forEach((state, socket) => {
    if (!state || state.phase !== 'ready' || !state.auth) return;
    for (const [operationId, subscription] of Object.entries(state.subscriptions)) {
      if (subscription.field === 'alertChanged') plan.add(socket, operationId, subscription, state.auth.role);
    }
  });
  return plan.plan();
}
