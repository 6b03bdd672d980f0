/**
 * Run lifecycle events for live subscriptions. Published after the data they describe is in
 * D1, so a subscriber that re-queries sees what the event said.
 */
export type HealthCheckEventType = 'STARTED' | 'WORKER_RESULT' | 'COMPLETED';

export interface HealthCheckEvent {
  type: HealthCheckEventType;
  healthCheckUuid: string;
  workerCheckUuid?: string;
}

export type Publish = (event: HealthCheckEvent) => Promise<void>;
