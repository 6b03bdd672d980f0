import { describe, expect, it } from 'vitest';
import { initialConnectionState } from '../../durable/graphql-ws/connection-state';
import type { HealthCheckEvent } from '../../durable/graphql-ws/event';
import { eventShareKey, executionKey, planBatch, planPublish, stableStringify } from '../../durable/graphql-ws/publish-plan';
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

describe('planBatch', () => {
  const result = (sequence: number, run = 'hc-1'): HealthCheckEvent => ({ type: 'WORKER_RESULT', healthCheckUuid: run, workerCheckUuid: `wc-${sequence}`, sequence });
  const RUN_ONLY = 'subscription{healthCheckUpdated{healthCheck{status}}}';
  const readsRunOnly = ({ query }: { query: string }) => (query === RUN_ONLY ? ['healthCheckUuid'] : null);

  it('plans every event of a call in order, as planPublish would one by one, when no document says what it reads', () => {
    const states = [readyState('viewer', { a: updatedSub(null), b: updatedSub('hc-1') }), readyState('admin', { c: completedSub() })];
    const events = [started, result(2), completed];
    const plan = planBatch(states, events);
    const oneByOne = events.map((event) => planPublish(states, event));
    expect(plan.costs).toEqual(oneByOne.map((p) => ({ executions: p.executions.length, deliveries: p.deliveries.length })));
    expect(plan.deliveries.map((d) => [d.event, d.socket, d.operationId])).toEqual(
      oneByOne.flatMap((p, event) => p.deliveries.map((d) => [event, d.socket, d.operationId])),
    );
    expect(plan.executions.map((e) => e.request.event)).toEqual(oneByOne.flatMap((p) => p.executions.map((e) => e.request.event)));
  });

  it("runs a document that reads only the run once for all of a batch's events of that run, and still delivers each event", () => {
    const states = [
      readyState('viewer', { r: updatedSub(null, { query: RUN_ONLY }), t: updatedSub(null) }),
      readyState('viewer', { r: updatedSub(null, { query: RUN_ONLY }) }),
    ];
    const plan = planBatch(states, [result(2), result(3), result(4, 'hc-2'), result(5)], readsRunOnly);
    expect(plan.costs).toEqual([
      { executions: 2, deliveries: 3 },
      { executions: 1, deliveries: 3 }, // the run-only document is hc-1's already
      { executions: 2, deliveries: 3 }, // another run
      { executions: 1, deliveries: 3 },
    ]);
    const runOnly = plan.deliveries.filter((d) => d.operationId === 'r');
    expect(runOnly.map((d) => [d.event, d.socket])).toEqual([
      [0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1], [3, 0], [3, 1],
    ]);
    expect(runOnly.map((d) => (plan.executions[d.execution]!.request.event as HealthCheckEvent).sequence)).toEqual([2, 2, 2, 2, 4, 4, 2, 2]);
  });

  it('shares nothing across events when a document reads all of the event, or the executor cannot say', () => {
    const states = [readyState('viewer', { a: updatedSub(null) })];
    const events = [result(2), result(3)];
    expect(planBatch(states, events, () => null).executions).toHaveLength(2);
    expect(
      planBatch(states, events, () => {
        throw new Error('no idea');
      }).executions,
    ).toHaveLength(2);
    expect(planBatch(states, events, () => 'nonsense' as never).executions).toHaveLength(2);
  });

  it('shares an identical event repeated in a batch even without dependencies (its answer is the same)', () => {
    const plan = planBatch([readyState('viewer', { a: updatedSub(null) })], [result(2), result(2)]);
    expect(plan.costs).toEqual([
      { executions: 1, deliveries: 1 },
      { executions: 0, deliveries: 1 },
    ]);
  });

  it('asks each distinct document once per call', () => {
    const asked: string[] = [];
    const states = Array.from({ length: 5 }, () => readyState('viewer', { r: updatedSub(null, { query: RUN_ONLY }) }));
    planBatch(states, [result(2), result(3), result(4)], (subscription) => {
      asked.push(subscription.query);
      return ['healthCheckUuid'];
    });
    expect(asked).toEqual([RUN_ONLY]);
  });
});

describe('eventShareKey', () => {
  it('tells events apart only by the properties read', () => {
    const a: HealthCheckEvent = { type: 'WORKER_RESULT', healthCheckUuid: 'hc-1', workerCheckUuid: 'wc-1', sequence: 2 };
    const b: HealthCheckEvent = { ...a, workerCheckUuid: 'wc-2', sequence: 3 };
    expect(eventShareKey(a, ['healthCheckUuid'])).toBe(eventShareKey(b, ['healthCheckUuid']));
    expect(eventShareKey(a, ['healthCheckUuid', 'sequence'])).not.toBe(eventShareKey(b, ['healthCheckUuid', 'sequence']));
    expect(eventShareKey(a, null)).not.toBe(eventShareKey(b, null));
    expect(eventShareKey(started, ['workerCheckUuid'])).toBe(eventShareKey(completed, ['workerCheckUuid'])); // both absent
  });
});
