import { API_KEY_ROLES } from '../db/api-keys';
import { RUN_STATUSES, TRIGGER_TYPES } from '../db/health-checks';
import { HEALTH_STATUSES, WORKER_CHECK_STATUSES } from '../db/worker-health-checks';
import { TEST_STATUSES } from '../sdk/src/protocol';
import { builder } from './builder';

// GraphQL shows upper-case names; the database keeps the seed's lower-case strings. Every enum of
// the schema is built this way (schema/alert-enums.ts too).
export function upperCaseValues<T extends string>(values: readonly T[]) {
  return Object.fromEntries(values.map((value) => [value.toUpperCase(), { value }])) as {
    [K in T as Uppercase<K>]: { value: K };
  };
}

export const TriggerTypeEnum = builder.enumType('TriggerType', {
  description: 'What started a health check.',
  values: upperCaseValues(TRIGGER_TYPES),
});

export const HealthCheckStatusEnum = builder.enumType('HealthCheckStatus', {
  description: 'A run goes RUNNING -> COMPLETED | FAILED | TIMEOUT | CANCELLED and never leaves a final state.',
  values: upperCaseValues(RUN_STATUSES),
});

export const WorkerCheckStatusEnum = builder.enumType('WorkerCheckStatus', {
  description: "A worker's check goes PENDING -> RUNNING -> COMPLETED | FAILED | TIMEOUT.",
  values: upperCaseValues(WORKER_CHECK_STATUSES),
});

export const HealthStatusEnum = builder.enumType('HealthStatus', {
  description: 'The band a score falls in: HEALTHY >= 0.9, DEGRADED >= 0.7, UNHEALTHY >= 0.4, else CRITICAL.',
  values: upperCaseValues(HEALTH_STATUSES),
});

export const ApiKeyRoleEnum = builder.enumType('ApiKeyRole', {
  description: 'VIEWER reads; OPERATOR also starts and cancels checks; ADMIN also manages keys, workers and schedules.',
  values: upperCaseValues(API_KEY_ROLES),
});

export const TestStatusEnum = builder.enumType('TestStatus', {
  values: upperCaseValues(TEST_STATUSES),
});
