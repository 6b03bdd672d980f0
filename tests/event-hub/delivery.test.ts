import { describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../durable/graphql-ws/connection-state';
import { deliveriesStillWanted, stillWanted } from '../../durable/graphql-ws/delivery';
import type { HealthCheckEvent } from '../../durable/graphql-ws/event';
import { executionKey, planPublish } from '../../durable/graphql-ws/publish-plan';
import { completedSub, readyState, updatedSub } from './helpers';

const started: HealthCheckEvent = { type: 'STARTED', healthCheckUuid: 'hc-1', sequence: 1 };

describe('deliveriesStillWanted', () => {
  const atPlan = (): ConnectionState[] => [readyState('viewer', { a: updatedSub(), b: updatedSub('hc-1') }), readyState('admin', { a: updatedSub() })];

  it('keeps every delivery when nothing changed', () => {
    const states = atPlan();
    const plan = planPublish(states, started);
    expect(deliveriesStillWanted(plan, states)).toEqual(plan.deliveries);
  });

  it('drops an operation completed while its execution ran, and keeps the rest', () => {
    const plan = planPublish(atPlan(), started);
    const now = atPlan();
    delete now[0]!.subscriptions.a;
    expect(deliveriesStillWanted(plan, now).map(({ socket, operationId }) => [socket, operationId])).toEqual([
      [0, 'b'],
      [1, 'a'],
    ]);
  });

  it('drops an operation replaced under the same id by another document', () => {
    const plan = planPublish(atPlan(), started);
    const now = atPlan();
    now[1]!.subscriptions.a = updatedSub(null, { query: 'subscription{healthCheckUpdated{uuid}}' });
    expect(deliveriesStillWanted(plan, now).map(({ socket }) => socket)).toEqual([0, 0]);
    now[1]!.subscriptions.a = completedSub(); // the same id, now another field
    expect(deliveriesStillWanted(plan, now).map(({ socket }) => socket)).toEqual([0, 0]);
  });

  it('drops sockets gone or unreadable, and never reads an id off the prototype', () => {
    const states = [readyState('viewer', { toString: updatedSub() })];
    const plan = planPublish(states, started);
    expect(deliveriesStillWanted(plan, [null])).toEqual([]);
    expect(deliveriesStillWanted(plan, [readyState('viewer')])).toEqual([]);
    expect(deliveriesStillWanted(plan, states)).toEqual(plan.deliveries);
  });

  it('drops a delivery whose execution ran for another role', () => {
    const plan = planPublish(atPlan(), started);
    const now = atPlan();
    now[1] = { ...now[1]!, auth: { role: 'viewer', keyName: 'admin-key' } };
    expect(deliveriesStillWanted(plan, now).map(({ socket }) => socket)).toEqual([0, 0]);
  });
});

describe('stillWanted', () => {
  const key = (state: ConnectionState, id: string) => executionKey(state.subscriptions[id]!, state.auth!.role);

  it("judges each delivery by its own event, not by the event its shared execution ran with", () => {
    const state = readyState('viewer', { run: { ...updatedSub('hc-1'), after: 2 } });
    const later: HealthCheckEvent = { type: 'WORKER_RESULT', healthCheckUuid: 'hc-1', workerCheckUuid: 'wc-3', sequence: 3 };
    const replayed: HealthCheckEvent = { ...later, workerCheckUuid: 'wc-2', sequence: 2 };
    expect(stillWanted(state, 'run', key(state, 'run'), later)).toBe(true);
    expect(stillWanted(state, 'run', key(state, 'run'), replayed)).toBe(false); // the catch-up sent it
  });

  it('wants nothing for a socket gone, not acknowledged, or an operation replaced', () => {
    const state = readyState('viewer', { a: updatedSub() });
    const planned = key(state, 'a');
    expect(stillWanted(null, 'a', planned, started)).toBe(false);
    expect(stillWanted({ ...state, phase: 'awaiting_init', auth: null }, 'a', planned, started)).toBe(false);
    expect(stillWanted(readyState('viewer', { a: updatedSub(null, { query: 'subscription{healthCheckUpdated{uuid}}' }) }), 'a', planned, started)).toBe(false);
    expect(stillWanted(state, 'a', planned, started)).toBe(true);
  });
});
