/**
 * Which stored subscriptions an event concerns (CONTRACT.md, Subscriptions):
 * - `healthCheckUpdated(uuid: ID)`: every event of that run, or of every run when uuid is null or
 *   absent; once a run's catch-up is sent (`after`, replay.ts), only its events numbered after it;
 * - `healthCheckCompleted`: COMPLETED events only;
 * - `alertChanged`: alert events (EventHub.publishAlertChanges) only, and nothing else them.
 * Any other field matches nothing.
 */
import type { StoredSubscription } from './connection-state';
import type { AlertChangedEvent } from '../../operations/alerts/events';
import type { HealthCheckEvent } from './event';

export function matches(subscription: Pick<StoredSubscription, 'field' | 'args' | 'after'>, event: HealthCheckEvent | AlertChangedEvent): boolean {
  if (event.type === 'ALERT_CHANGED') return subscription.field === 'alertChanged';
  switch (subscription.field) {
    case 'healthCheckUpdated': {
      const uuid = subscription.args.uuid;
      if (uuid === undefined || uuid === null) return true;
      return uuid === event.healthCheckUuid && !(typeof subscription.after === 'number' && event.sequence <= subscription.after);
    }
    case 'healthCheckCompleted':
      return event.type === 'COMPLETED';
    default:
      return false;
  }
}
