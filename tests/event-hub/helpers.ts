import type { ConnectionAuth, ConnectionState, StoredSubscription } from '../../durable/graphql-ws/connection-state';
import { initialConnectionState } from '../../durable/graphql-ws/connection-state';
import type { ValidateRequest, ValidationResult } from '../../durable/graphql-ws/executor';
import { DEFAULT_HUB_LIMITS } from '../../durable/graphql-ws/limits';
import type { ReducerDeps } from '../../durable/graphql-ws/reducer';

export const KEYS: Record<string, ConnectionAuth> = {
  'Bearer viewer-key': { role: 'viewer', keyName: 'dashboard' },
  'Bearer operator-key': { role: 'operator', keyName: 'ops' },
  'Bearer admin-key': { role: 'admin', keyName: 'bootstrap' },
};

export const UPDATED = 'subscription($uuid: ID) { healthCheckUpdated(uuid: $uuid) { type } }';
export const COMPLETED = 'subscription { healthCheckCompleted { uuid status } }';

/** A stand-in for the schema: knows the two subscription fields by name. */
export function fakeValidate({ query, variables }: ValidateRequest): ValidationResult {
  if (query.includes('healthCheckUpdated')) return { field: 'healthCheckUpdated', args: { uuid: variables?.uuid ?? null } };
  if (query.includes('healthCheckCompleted')) return { field: 'healthCheckCompleted', args: {} };
  return { errors: [{ message: 'Cannot query field "nope" on type "Subscription".', extensions: { code: 'BAD_USER_INPUT' } }] };
}

export function deps(overrides: Partial<ReducerDeps> = {}): ReducerDeps {
  return {
    authenticate: async (authorization) => KEYS[authorization] ?? null,
    validate: fakeValidate,
    limits: DEFAULT_HUB_LIMITS,
    ...overrides,
  };
}

export const T0 = Date.UTC(2026, 10, 30, 2, 0, 0);

export function readyState(role: ConnectionAuth['role'] = 'viewer', subscriptions: Record<string, StoredSubscription> = {}): ConnectionState {
  return { ...initialConnectionState(T0), phase: 'ready', auth: { role, keyName: `${role}-key` }, subscriptions };
}

export function updatedSub(uuid: string | null = null, overrides: Partial<StoredSubscription> = {}): StoredSubscription {
  return { query: UPDATED, variables: uuid === null ? null : { uuid }, operationName: null, field: 'healthCheckUpdated', args: { uuid }, ...overrides };
}

export function completedSub(overrides: Partial<StoredSubscription> = {}): StoredSubscription {
  return { query: COMPLETED, variables: null, operationName: null, field: 'healthCheckCompleted', args: {}, ...overrides };
}

export const frame = (message: unknown): string => JSON.stringify(message);
