/**
 * What one publish has to do: which (socket, operation) pairs get a `next`, and the distinct
 * executions behind them. Subscribers with the same document, variables, operation name and role
 * share one execution, so a thousand identical dashboards cost one execution per event.
 */
import type { ConnectionState, StoredSubscription } from './connection-state';
import type { HealthCheckEvent } from './event';
import type { ExecuteRequest } from './executor';
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

export function planPublish(states: ReadonlyArray<ConnectionState | null>, event: HealthCheckEvent): PublishPlan {
  const executions: PlannedExecution[] = [];
  const byKey = new Map<string, number>();
  const deliveries: PlannedDelivery[] = [];
  states.forEach((state, socket) => {
    if (!state || state.phase !== 'ready' || !state.auth) return;
    const { role } = state.auth;
    for (const [operationId, subscription] of Object.entries(state.subscriptions)) {
      if (!matches(subscription, event)) continue;
      const key = executionKey(subscription, role);
      let execution = byKey.get(key);
      if (execution === undefined) {
        execution = executions.length;
        byKey.set(key, execution);
        const { query, variables, operationName } = subscription;
        executions.push({ key, request: { query, variables, operationName, event, auth: { role } } });
      }
      deliveries.push({ socket, operationId, execution });
    }
  });
  return { executions, deliveries };
}
