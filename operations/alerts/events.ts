/**
 * What the EventHub delivers to `alertChanged` subscribers: which alert changed (it opened, got a
 * transition, was acknowledged or re-evaluated). Published after the change is in D1; the
 * subscription's document then reads the alert as it is.
 */
export interface AlertChangedEvent {
  type: 'ALERT_CHANGED';
  alertId: number;
}

export const alertChangedEvent = (alertId: number): AlertChangedEvent => ({ type: 'ALERT_CHANGED', alertId });
