/**
 * What the run pipeline publishes to the EventHub shards (`publishMany(events)`, `publish(event)`):
 * the pipeline's own HealthCheckEvent (operations/events.ts), and its runtime check, since an RPC
 * argument is whatever the caller sent.
 */
import type { HealthCheckEvent, HealthCheckEventType } from '../../operations/events';

export type { HealthCheckEvent, HealthCheckEventType };

export const HEALTH_CHECK_EVENT_TYPES = ['STARTED', 'WORKER_RESULT', 'COMPLETED'] as const satisfies readonly HealthCheckEventType[];

// Every type the pipeline can publish is one the validator accepts (and, above, only those).
type Unlisted = Exclude<HealthCheckEventType, (typeof HEALTH_CHECK_EVENT_TYPES)[number]>;
const _everyTypeListed: [Unlisted] extends [never] ? true : Unlisted = true;

/** Narrows an RPC argument to a HealthCheckEvent, or says what is wrong with it. */
export function parseHealthCheckEvent(value: unknown): { ok: true; event: HealthCheckEvent } | { ok: false; error: string } {
  if (typeof value !== 'object' || value === null) return { ok: false, error: 'event must be an object' };
  const { type, healthCheckUuid, workerCheckUuid } = value as Record<string, unknown>;
  if (!HEALTH_CHECK_EVENT_TYPES.includes(type as HealthCheckEventType)) {
    return { ok: false, error: `event.type must be one of ${HEALTH_CHECK_EVENT_TYPES.join(', ')}` };
  }
  if (typeof healthCheckUuid !== 'string' || healthCheckUuid === '') {
    return { ok: false, error: 'event.healthCheckUuid must be a non-empty string' };
  }
  if (workerCheckUuid !== undefined && workerCheckUuid !== null && typeof workerCheckUuid !== 'string') {
    return { ok: false, error: 'event.workerCheckUuid must be a string when present' };
  }
  const event: HealthCheckEvent = { type: type as HealthCheckEventType, healthCheckUuid };
  if (typeof workerCheckUuid === 'string') event.workerCheckUuid = workerCheckUuid;
  return { ok: true, event };
}
