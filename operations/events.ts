/**
 * Run lifecycle events for live subscriptions. Published after the data they describe is in
 * D1, so a subscriber that re-queries sees what the event said.
 */
/** STARTED once, WORKER_RESULT once per worker as it reaches a final state, COMPLETED once. */
export const HEALTH_CHECK_EVENT_TYPES = ['STARTED', 'WORKER_RESULT', 'COMPLETED'] as const;
export type HealthCheckEventType = (typeof HEALTH_CHECK_EVENT_TYPES)[number];

export interface HealthCheckEvent {
  type: HealthCheckEventType;
  healthCheckUuid: string;
  workerCheckUuid?: string;
}

/**
 * Publishes events in the order given. Operations that end many workers at once publish them in
 * one call, which costs one hub request per shard however many events there are.
 */
export type Publish = (...events: HealthCheckEvent[]) => Promise<void>;
