/**
 * Which of a publish's planned deliveries still go out once its executions are done. The plan was
 * made from the states at publish time; while the executions ran (and while earlier deliveries
 * went out, the hub yielding between chunks) a client may have completed an operation (the spec
 * says nothing more may be sent for it), replaced it under the same id with another document, or
 * gone, and a catch-up may have moved the operation's `after` past the event. The hub re-reads the
 * states and sends only what this keeps.
 */
import type { AlertChangedEvent } from '../../operations/alerts/events';
import type { ConnectionState } from './connection-state';
import type { HealthCheckEvent } from './event';
import { matches } from './matching';
import { executionKey, type PlannedDelivery, type PublishPlan } from './publish-plan';

/**
 * Whether `operationId` of a socket whose state is now `state` still wants the `next` of `event`
 * computed for execution key `key`: the operation is there, with the same document, variables and
 * role, and still matches the event (a catch-up may have moved its `after` past it).
 */
export function stillWanted(state: ConnectionState | null, operationId: string, key: string, event: HealthCheckEvent | AlertChangedEvent): boolean {
  if (!state || state.phase !== 'ready' || !state.auth || !Object.hasOwn(state.subscriptions, operationId)) return false;
  const subscription = state.subscriptions[operationId]!;
  return executionKey(subscription, state.auth.role) === key && matches(subscription, event);
}

/** Whether one planned delivery is still wanted by its socket's state now. */
export function deliveryStillWanted(plan: PublishPlan, { operationId, execution }: PlannedDelivery, state: ConnectionState | null): boolean {
  const planned = plan.executions[execution]!;
  return stillWanted(state, operationId, planned.key, planned.request.event);
}

export function deliveriesStillWanted(plan: PublishPlan, states: ReadonlyArray<ConnectionState | null>): PlannedDelivery[] {
  return plan.deliveries.filter((delivery) => deliveryStillWanted(plan, delivery, states[delivery.socket] ?? null));
}
