/**
 * A batch of events (publishMany) runs a document once for events it cannot tell apart, with the
 * real schema and D1: compose/subscription-executor.ts says what each subscription field reads of
 * the event (EVENT_READS), and the hub shares one execution among a call's events that agree on
 * it. Every event still reaches every subscriber.
 */
import { env } from 'cloudflare:workers';
import { getNamedType, isObjectType } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { createSubscriptionExecutor, EVENT_READS } from '../../compose/subscription-executor';
import type { HealthCheckEvent } from '../../durable/graphql-ws/event';
import { schema } from '../../schema';
import { keyFor } from '../helpers/graphql';
import { heldRun } from './held-runs';
import { dashboard, disconnectAll, hubsDrained, SHARDS, shardStub } from './helpers';

afterEach(disconnectAll);

const RUN_ONLY = 'subscription RunOnly { healthCheckUpdated { healthCheck { uuid status totalWorkers } } }';
const NUMBERED = 'subscription Numbered { healthCheckUpdated { sequence healthCheck { uuid } } }';
const WORKER = 'subscription Worker { healthCheckUpdated { workerResult { uuid } } }';

const request = (query: string) => ({ query, variables: null, operationName: null });

describe('what a document reads of the event', () => {
  it('is known for every subscription field and every field of HealthCheckEvent (a new one must be added to EVENT_READS)', () => {
    expect(Object.keys(schema.getSubscriptionType()!.getFields()).sort()).toEqual(Object.keys(EVENT_READS).sort());
    const event = getNamedType(schema.getSubscriptionType()!.getFields().healthCheckUpdated!.type);
    expect(isObjectType(event) && Object.keys(event.getFields()).sort()).toEqual(Object.keys(EVENT_READS.healthCheckUpdated!.selection!).sort());
  });

  it("is what the schema's resolvers read: the same answer for events that agree on it, another for events that do not", async () => {
    const run = await heldRun(2);
    const [first, second] = run.checks.map(
      (check, index): HealthCheckEvent => ({ type: 'WORKER_RESULT', healthCheckUuid: run.healthCheckUuid, workerCheckUuid: check.workerCheckUuid, sequence: index + 2 }),
    );
    const executor = createSubscriptionExecutor(env);
    const run1 = async (query: string, event: HealthCheckEvent) => executor.execute({ ...request(query), event, auth: { role: 'viewer' } });

    expect(executor.eventDependencies!(request(RUN_ONLY))).toEqual(['healthCheckUuid']);
    expect(await run1(RUN_ONLY, first!)).toEqual(await run1(RUN_ONLY, second!));

    expect(executor.eventDependencies!(request(NUMBERED))).toEqual(['healthCheckUuid', 'sequence']);
    expect(await run1(NUMBERED, first!)).not.toEqual(await run1(NUMBERED, second!));

    expect(executor.eventDependencies!(request(WORKER))).toEqual(['workerCheckUuid']);
    expect(await run1(WORKER, first!)).not.toEqual(await run1(WORKER, second!));

    expect(executor.eventDependencies!(request('subscription { healthCheckCompleted { uuid } }'))).toEqual(['healthCheckUuid']);
    expect(executor.eventDependencies!(request('subscription { alertChanged { id } }'))).toEqual(['alertId']);
  });
});

describe('a batch of one run’s results', () => {
  it('runs a run-only document once and a numbered one per event, and sends every subscriber every event in order', async () => {
    const run = await heldRun(3);
    const events = run.checks.map(
      (check, index): HealthCheckEvent => ({ type: 'WORKER_RESULT', healthCheckUuid: run.healthCheckUuid, workerCheckUuid: check.workerCheckUuid, sequence: index + 2 }),
    );
    const watcher = dashboard(await keyFor('viewer'));
    await watcher.connected;
    const runOnly = watcher.subscribe<{ healthCheckUpdated: { healthCheck: { uuid: string } } }>(RUN_ONLY);
    const numbered = watcher.subscribe<{ healthCheckUpdated: { sequence: number } }>(NUMBERED);
    await watcher.settled();

    const outcomes = await Promise.all(Array.from({ length: SHARDS }, (_, shard) => shardStub(shard).publishMany(events)));
    const perEvent = events.map((_, index) => outcomes.reduce((sum, shard) => sum + shard[index]!.executions, 0));
    expect(perEvent).toEqual([2, 1, 1]); // both documents for the first event, then the numbered one only
    await hubsDrained();

    const shared = { data: { healthCheckUpdated: { healthCheck: { uuid: run.healthCheckUuid, status: 'RUNNING', totalWorkers: 3 } } } };
    expect([await runOnly.next(), await runOnly.next(), await runOnly.next()]).toEqual([shared, shared, shared]);
    const sequences = [await numbered.next(), await numbered.next(), await numbered.next()].map((result) => result.data!.healthCheckUpdated.sequence);
    expect(sequences).toEqual([2, 3, 4]);
  });
});
