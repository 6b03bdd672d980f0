/**
 * Which stored subscriptions an event concerns (CONTRACT.md, Subscriptions):
 * - `healthCheckUpdated(uuid: ID)`: every event of that run, or of every run when uuid is null or
 *   absent;
 * - `healthCheckCompleted`: COMPLETED events only.
 * Any other field matches nothing.
 */
import type { StoredSubscription } from './connection-state';
import type { HealthCheckEvent } from './event';

export function matches(subscription: Pick<StoredSubscription, 'field' | 'args'>, event: HealthCheckEvent): boolean {
  switch (subscription.field) {
    case 'healthCheckUpdated': {
      const uuid = subscription.args.uuid;
      return uuid === undefined || uuid === null || uuid === event.healthCheckUuid;
    }
    case 'healthCheckCompleted':
      return event.type === 'COMPLETED';
    default:
      return false;
  }
}
