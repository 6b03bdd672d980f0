/**
 * The seam between the protocol layer and the GraphQL schema. The EventHub knows sockets and the
 * graphql-ws protocol; everything that needs the schema or D1 is behind this interface. The real
 * implementation lives with the schema (`compose/subscription-executor.ts`) and reaches the hub
 * through executor-registry.ts.
 */
import type { ExecutionResult, FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import type { ConnectionAuth } from './connection-state';
import type { AlertChangedEvent } from '../../operations/alerts/events';
import type { HealthCheckEvent } from './event';

export interface ValidateRequest {
  query: string;
  variables: Record<string, unknown> | null;
  operationName: string | null;
  /**
   * Who subscribes. The executors here do not read it: every subscription field needs only the
   * viewer role (schema/subscriptions.ts), which `connection_init` already required, and field
   * permissions are enforced when the document executes, with the role (ExecuteRequest.auth). It
   * is passed so that an executor could refuse a document by role at subscribe time.
   */
  auth: ConnectionAuth;
}

/**
 * A valid subscription names exactly one root field; `args` are its argument values with the
 * variables applied (e.g. `{ uuid: "…" }` or `{ uuid: null }`). Invalid: the errors to send in the
 * operation's `error` message (each with `extensions.code`).
 */
export type ValidationResult = { field: string; args: Record<string, unknown> } | { errors: GraphQLFormattedError[] };

/**
 * Execution sees the role only, never the key: the hub shares one execution among every
 * subscriber with the same document, variables and role, so a result must not depend on more.
 */
export type ExecutionAuth = Pick<ConnectionAuth, 'role'>;

export interface ExecuteRequest {
  query: string;
  variables: Record<string, unknown> | null;
  operationName: string | null;
  /**
   * The published event: the subscription field's resolver gets it as its parent value (a run's
   * event for healthCheckUpdated/healthCheckCompleted, an alert's for alertChanged).
   */
  event: HealthCheckEvent | AlertChangedEvent;
  auth: ExecutionAuth;
}

export interface SubscriptionExecutor {
  /**
   * `authorization` is the `connection_init` payload's value as sent (`"Bearer <key>"`). Returns
   * who it is, or null for a missing, malformed, unknown or revoked key.
   */
  authenticate(authorization: string): Promise<ConnectionAuth | null>;
  /** Parses and validates a subscribe's document against the schema. Pure of side effects. */
  validate(request: ValidateRequest): ValidationResult | Promise<ValidationResult>;
  /**
   * Runs the stored document for one event and returns the `next` payload. Unexpected errors
   * must come back masked (like Yoga's maskedErrors); a throw is masked by the hub.
   */
  execute(request: ExecuteRequest): Promise<ExecutionResult | FormattedExecutionResult>;
  /**
   * Optional: which properties of the event (ExecuteRequest.event) a stored document's result
   * reads, e.g. `['healthCheckUuid']` for one selecting only `healthCheck { status }`; null (or no
   * method) when unknown, which means all of them. The hub runs such a document once for all the
   * events of one publish call that agree on those properties, and still sends each event its own
   * `next` (publish-plan.ts). Must err on the side of more: a property left out that the result
   * does read would hand one event's answer to another.
   */
  eventDependencies?(request: Pick<ExecuteRequest, 'query' | 'variables' | 'operationName'>): readonly string[] | null;
  /**
   * A run's story so far, in sequence order: STARTED, a WORKER_RESULT per worker already final,
   * and COMPLETED if the run is final; empty for an unknown run. Read at one moment (one
   * statement), after the subscription it is for was stored: the catch-up of replay.ts.
   */
  history(healthCheckUuid: string): Promise<HealthCheckEvent[]>;
}

export type SubscriptionExecutorFactory<E = Env> = (env: E) => SubscriptionExecutor;
