import { describe, expect, it } from 'vitest';
import { initialConnectionState } from '../../durable/graphql-ws/connection-state';
import type { HealthCheckEvent } from '../../durable/graphql-ws/event';
import { executionKey, planPublish, stableStringify } from '../../durable/graphql-ws/publish-plan';
import { completedSub, readyState, T0, updatedSub } from './helpers';

const completed: HealthCheckEvent = { type: 'COMPLETED', healthCheckUuid: 'hc-1', sequence: 3 };
const started: HealthCheckEvent = { type: 'STARTED', healthCheckUuid: 'hc-1', sequence: 1 };

describe('planPublish', () => {
  it('shares one execution among a thousand identical dashboards', () => {
    const states = Array.from({ length: 1000 }, () => readyState('viewer', { dash: updatedSub('hc-1') }));
    const plan = planPublish(states, started);
    expect(plan.executions).toHaveLength(1);
    expect(plan.executions[0]!.request).toEqual({
      query: updatedSub().query,
      variables: { uuid: 'hc-1' },
      operationName: null,
      event: started,
      auth: { role: 'viewer' },
    });
    expect(plan.deliveries).toHaveLength(1000);
    expect(plan.deliveries.every((d, i) => d.socket === i && d.operationId === 'dash' && d.execution === 0)).toBe(true);
  });

  it('executes separately per role, document, variables and operation name', () => {
    const states = [
      readyState('viewer', { a: updatedSub(null) }),
      readyState('admin', { a: updatedSub(null) }), // another role
      readyState('viewer', { a: updatedSub('hc-1') }), // other variables
      readyState('viewer', { a: updatedSub(null, { query: 'subscription{healthCheckUpdated{type healthCheck{uuid}}}' }) }),
      readyState('viewer', { a: updatedSub(null, { operationName: 'Named' }) }),
      readyState('viewer', { b: updatedSub(null) }), // same as the first: shared
    ];
    const plan = planPublish(states, started);
    expect(plan.executions).toHaveLength(5);
    expect(plan.deliveries.map((d) => d.execution)).toEqual([0, 1, 2, 3, 4, 0]);
    expect(plan.executions[1]!.request.auth).toEqual({ role: 'admin' });
  });

  it('never hands the key name to execution', () => {
    const plan = planPublish([readyState('operator', { a: completedSub() })], completed);
    expect(plan.executions[0]!.request.auth).toEqual({ role: 'operator' });
  });

  it('treats variables with keys in another order as the same execution', () => {
    const states = [
      readyState('viewer', { a: updatedSub(null, { variables: { uuid: 'hc-1', x: { p: 1, q: 2 } } }) }),
      readyState('viewer', { a: updatedSub(null, { variables: { x: { q: 2, p: 1 }, uuid: 'hc-1' } }) }),
    ];
    expect(planPublish(states, started).executions).toHaveLength(1);
  });

  it('delivers only to matching subscriptions of acknowledged sockets', () => {
    const states = [
      initialConnectionState(T0), // not acknowledged
      readyState('viewer', { all: updatedSub(null), mine: updatedSub('hc-1'), other: updatedSub('hc-2'), done: completedSub() }),
      null, // unreadable attachment
      readyState('viewer'), // no subscriptions
    ];
    const onStart = planPublish(states, started);
    expect(onStart.deliveries.map((d) => [d.socket, d.operationId])).toEqual([
      [1, 'all'],
      [1, 'mine'],
    ]);
    const onComplete = planPublish(states, completed);
    expect(onComplete.deliveries.map((d) => d.operationId)).toEqual(['all', 'mine', 'done']);
    expect(onComplete.executions).toHaveLength(3);
  });

  it('plans nothing when nothing matches', () => {
    expect(planPublish([readyState('viewer', { a: updatedSub('hc-9') })], started)).toEqual({ executions: [], deliveries: [] });
  });
});

describe('stableStringify and executionKey', () => {
  it('sorts object keys at every depth and keeps arrays in order', () => {
    expect(stableStringify({ b: [2, { d: 1, c: 0 }], a: null })).toBe('{"a":null,"b":[2,{"c":0,"d":1}]}');
    expect(stableStringify({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(stableStringify('x')).toBe('"x"');
  });

  it('treats absent and null variables alike', () => {
    expect(executionKey({ query: 'q', variables: null, operationName: null }, 'viewer')).toBe(
      executionKey({ query: 'q', variables: undefined as never, operationName: undefined as never }, 'viewer'),
    );
  });
});
