/**
 * The EventHub's SubscriptionExecutor for this schema: who a `connection_init` key is, whether a
 * subscribe's document is acceptable, and what a stored document yields for an event. index.ts
 * registers it with the hub (durable/graphql-ws/executor-registry.ts); durable/ never imports the
 * schema.
 *
 * A document sent over WebSocket meets exactly what a POST meets: it is parsed and validated by
 * the HTTP server's own Yoga pipeline (GraphQL Armor's token, depth, alias, cost and directive
 * limits, introspection and field-suggestion settings), and its errors get the same contract
 * codes (http/mask-error.ts). Nothing here restates a limit.
 */
import { GraphQLError, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import type { ConnectionAuth } from '../durable/graphql-ws/connection-state';
import type { ExecuteRequest, SubscriptionExecutor } from '../durable/graphql-ws/executor';
import { createSchemaExecutor, type DocumentPipeline, type EventReads } from '../durable/graphql-ws/schema-executor';
import { createDb, type Db } from '../db/client';
import { maskError } from '../http/mask-error';
import { serverSettings } from '../http/settings';
import { buildYoga } from '../http/yoga';
import { authenticate } from '../operations/api-keys';
import { runStory } from '../operations/events';
import { createOperationDeps } from '../durable/operation-deps';
import type { GraphQLContext } from '../schema/context';
import { schema } from '../schema/index';

/** Yoga's masked message, so a masked error reads the same over HTTP and WebSocket. */
const MASKED_MESSAGE = 'Unexpected error.';

/** Contract codes as over HTTP; `extensions.http` is for Yoga's status line, not for clients. */
export function formatForClient(error: GraphQLError): GraphQLFormattedError {
  const formatted = (maskError(error, MASKED_MESSAGE) as GraphQLError).toJSON();
  if (!formatted.extensions) return formatted;
  const { http: _http, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}

/** One pipeline per isolate and settings: building a Yoga compiles its plugins, too slow per wake. */
const pipelines = new Map<string, DocumentPipeline>();

/**
 * Parse and validate from the HTTP server's envelop pipeline. Yoga marks a parse error
 * GRAPHQL_PARSE_FAILED only for a request it is serving (usePreventMutationViaGET), so that one
 * mark is restated here. Its own Yoga, not http/yoga.ts's cache keyed by the env object: the hub's
 * env need not be the Worker's object, and sharing that cache could rebuild Yoga back and forth.
 */
export function httpDocumentPipeline(env: Env): DocumentPipeline {
  const key = JSON.stringify(serverSettings(env));
  const cached = pipelines.get(key);
  if (cached) return cached;
  const enveloped = buildYoga(env).getEnveloped({} as never);
  const pipeline: DocumentPipeline = {
    parse(query: string): DocumentNode {
      try {
        return enveloped.parse(query);
      } catch (error) {
        if (error instanceof GraphQLError && error.extensions.code === undefined) {
          throw new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { ...error.extensions, code: 'GRAPHQL_PARSE_FAILED' } });
        }
        throw error;
      }
    },
    validate: (schemaToCheck, document) => enveloped.validate(schemaToCheck, document),
    formatError: formatForClient,
  };
  pipelines.set(key, pipeline);
  return pipeline;
}

async function authenticateKey(db: Db, env: Env, authorization: string): Promise<ConnectionAuth | null> {
  const result = await authenticate(db, authorization, env.ADMIN_API_KEY);
  if (result.kind !== 'authenticated') return null;
  // The `last_used_at` write (at most once a minute per key); a failure costs nobody their socket.
  await result.touch?.catch((error: unknown) => console.error('subscriptions: last_used_at update failed', error));
  return { role: result.caller.role, keyName: result.caller.keyName };
}

/**
 * The context one execution's resolvers get. The hub shares an execution among subscribers with
 * the same document, variables and role, so it carries the role and no key name; subscriptions
 * only read, so publishing is a no-op and deferred work just runs.
 */
function executionContext(db: Db, env: Env, request: ExecuteRequest): GraphQLContext {
  const waitUntil = (promise: Promise<unknown>) => void promise.catch((error: unknown) => console.error('subscriptions: deferred work failed', error));
  return {
    ...createOperationDeps(env, waitUntil, db),
    publish: async () => {},
    caller: { keyName: `subscriber (${request.auth.role})`, role: request.auth.role },
    authFailure: null,
    request: null,
    rawBody: null,
  };
}

/**
 * What each subscription field of this schema reads of the event it is executed with, restating
 * its resolvers (schema/subscriptions.ts, schema/alert.ts) for SubscriptionExecutor.eventDependencies:
 * - `healthCheckUpdated` resolves to the event itself; of its fields `type` and `sequence` read
 *   theirs, `healthCheck` reads the run's row by `healthCheckUuid`, `workerResult` the worker
 *   check's by `workerCheckUuid`;
 * - `healthCheckCompleted` reads the run's row by `healthCheckUuid`;
 * - `alertChanged` reads the alert's row by `alertId`.
 * A field missing here (a new one) reads all of the event: its documents are simply not shared
 * across events. tests/subscriptions/coalescing.test.ts holds this table to the schema.
 */
export const EVENT_READS: Record<string, EventReads> = {
  healthCheckUpdated: {
    field: [],
    selection: { type: ['type'], sequence: ['sequence'], healthCheck: ['healthCheckUuid'], workerResult: ['workerCheckUuid'] },
  },
  healthCheckCompleted: { field: ['healthCheckUuid'] },
  alertChanged: { field: ['alertId'] },
};

export function createSubscriptionExecutor(env: Env): SubscriptionExecutor {
  const db = createDb(env.DB);
  return createSchemaExecutor({
    schema,
    documents: httpDocumentPipeline(env),
    authenticate: (authorization) => authenticateKey(db, env, authorization),
    contextValue: (request) => executionContext(db, env, request),
    maskError: formatForClient,
    // The catch-up of a healthCheckUpdated(uuid) subscriber: what D1 says happened so far.
    history: (healthCheckUuid) => runStory(db, healthCheckUuid),
    eventReads: EVENT_READS,
  });
}
