/**
 * What the run pipeline publishes to the EventHub shards (`publishMany(events)`, `publish(event)`):
 * the operations' own HealthCheckEvent (operations/events.ts), and its runtime check, since an RPC
 * argument is whatever the caller sent.
 */
import { HEALTH_CHECK_EVENT_TYPES, type HealthCheckEvent, type HealthCheckEventType } from '../../operations/events';

export { HEALTH_CHECK_EVENT_TYPES, type HealthCheckEvent, type HealthCheckEventType };

/** Narrows an RPC argument to a HealthCheckEvent, or says what is wrong with it. */
export function parseHealthCheckEvent(value: unknown): { ok: true; event: HealthCheckEvent } | { ok: false; error: string } {
  if (typeof value !== 'object' || value === null) return { ok: false, error: 'event must be an object' };
  const { type, healthCheckUuid, workerCheckUuid, sequence } = value as Record<string, unknown>;
  if (!HEALTH_CHECK_EVENT_TYPES.includes(type as HealthCheckEventType)) {
    return { ok: false, error: `event.type must be one of ${HEALTH_CHECK_EVENT_TYPES.join(', ')}` };
  }
  if (typeof healthCheckUuid !== 'string' || healthCheckUuid === '') {
    return { ok: false, error: 'event.healthCheckUuid must be a non-empty string' };
  }
  if (workerCheckUuid !== undefined && workerCheckUuid !== null && typeof workerCheckUuid !== 'string') {
    return { ok: false, error: 'event.workerCheckUuid must be a string when present' };
  }
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) {
    return { ok: false, error: 'event.sequence must be a positive integer' };
  }
  const event: HealthCheckEvent = { type: type as HealthCheckEventType, healthCheckUuid, sequence };
  if (typeof workerCheckUuid === 'string') event.workerCheckUuid = workerCheckUuid;
  return { ok: true, event };
}
