/**
 * Live updates (CONTRACT.md, Subscriptions): `healthCheckUpdated(uuid)` and `healthCheckCompleted`.
 *
 * The EventHub Durable Object is the source stream, not these fields: it stores each subscribe's
 * document and, for every published event, runs it with the event as the root value (what
 * graphql-js `subscribe` does per event). So the fields below only `resolve`; the event says which
 * rows changed, and the rows are read from D1, where the run pipeline wrote them before it
 * published. `subscribe` exists because GraphQL requires it, and answers a subscription sent over
 * HTTP with a pointer to the WebSocket.
 */
import { GraphQLError } from 'graphql';
import { HEALTH_CHECK_EVENT_TYPES, type HealthCheckEvent } from '../operations/events';
import { notFound } from '../operations/errors';
import { builder } from './builder';

export const HealthCheckEventTypeEnum = builder.enumType('HealthCheckEventType', {
  description: 'STARTED once, WORKER_RESULT once per worker as its result is recorded, COMPLETED once with the final score.',
  values: HEALTH_CHECK_EVENT_TYPES,
});

export const HealthCheckEventRef = builder.objectRef<HealthCheckEvent>('HealthCheckEvent').implement({
  description: "One step of a health check's run, with the run (and the worker check it concerns) as they are now.",
  fields: (t) => ({
    type: t.field({ type: HealthCheckEventTypeEnum, resolve: (event) => event.type }),
    sequence: t.int({
      description:
        "The event's place in its run's story: STARTED is 1, each WORKER_RESULT the next number as its worker ends, COMPLETED totalWorkers + 2. Orders a run's events and tells a repeat apart; a healthCheckUpdated(uuid) subscriber gets the story so far first, then live events, each once.",
      resolve: (event) => event.sequence,
    }),
    healthCheck: t.drizzleField({
      type: 'healthChecks',
      resolve: async (query, event, _args, ctx) => {
        const row = await ctx.db.query.healthChecks.findFirst(query({ where: { healthCheckUuid: event.healthCheckUuid } }));
        if (!row) throw notFound(`There is no health check ${event.healthCheckUuid}.`);
        return row;
      },
    }),
    workerResult: t.drizzleField({
      type: 'workerHealthChecks',
      nullable: true,
      description: 'The worker check that just reported: set on WORKER_RESULT, null otherwise.',
      resolve: async (query, event, _args, ctx) =>
        event.workerCheckUuid
          ? ((await ctx.db.query.workerHealthChecks.findFirst(query({ where: { workerCheckUuid: event.workerCheckUuid } }))) ?? null)
          : null,
    }),
  }),
});

/** The `subscribe` of every field here: the EventHub serves subscriptions, Yoga does not. */
function servedOverWebSocket(): AsyncIterable<HealthCheckEvent> {
  throw new GraphQLError(
    'Subscriptions are served over WebSocket: connect to /graphql with the graphql-transport-ws subprotocol (the graphql-ws client).',
    { extensions: { code: 'BAD_USER_INPUT' } },
  );
}

builder.subscriptionField('healthCheckUpdated', (t) =>
  t.field({
    type: HealthCheckEventRef,
    authScopes: { viewer: true },
    description:
      "Every step of one health check's run (by uuid), or of every run when uuid is absent. With a uuid, what already happened comes first (read from D1, in sequence order), then live events; a run already finished sends its whole story, then complete.",
    args: { uuid: t.arg.id({ description: 'The run to watch; every run when absent.' }) },
    subscribe: servedOverWebSocket,
    // The root value is the event the hub is delivering; it already matched `uuid`.
    resolve: (event) => event,
  }),
);

builder.subscriptionField('healthCheckCompleted', (t) =>
  t.drizzleField({
    type: 'healthChecks',
    authScopes: { viewer: true },
    description: 'Each health check as it finishes (completed, failed, timed out or cancelled), with its final score.',
    subscribe: servedOverWebSocket,
    // drizzleField types the parent as the Subscription root; at run time it is the event.
    resolve: async (query, root, _args, ctx) => {
      const event = root as HealthCheckEvent;
      const row = await ctx.db.query.healthChecks.findFirst(query({ where: { healthCheckUuid: event.healthCheckUuid } }));
      if (!row) throw notFound(`There is no health check ${event.healthCheckUuid}.`);
      return row;
    },
  }),
);
