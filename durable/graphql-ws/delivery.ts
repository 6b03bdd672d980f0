/**
 * Which of a publish's planned deliveries still go out once its executions are done. The plan was
 * made from the states at publish time; while the executions ran a client may have completed an
 * operation (the spec says nothing more may be sent for it), replaced it under the same id with
 * another document, or gone. The hub re-reads the states and sends only what this keeps.
 */
import type { ConnectionState } from './connection-state';
import { executionKey, type PlannedDelivery, type PublishPlan } from './publish-plan';

export function deliveriesStillWanted(plan: PublishPlan, states: ReadonlyArray<ConnectionState | null>): PlannedDelivery[] {
  return plan.deliveries.filter(({ socket, operationId, execution }) => {
    const state = states[socket];
    if (!state || state.phase !== 'ready' || !state.auth || !Object.hasOwn(state.subscriptions, operationId)) return false;
    return executionKey(state.subscriptions[operationId]!, state.auth.role) === plan.executions[execution]!.key;
  });
}
