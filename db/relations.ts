import { defineRelations } from 'drizzle-orm';
import * as tables from './tables';

export const relations = defineRelations(tables, (r) => ({
  healthChecks: {
    workerResults: r.many.workerHealthChecks({
      from: r.healthChecks.healthCheckUuid,
      to: r.workerHealthChecks.healthCheckUuid,
    }),
    // The schedule that started the run, if one did and it still exists (schedule_runs links them).
    schedule: r.one.healthCheckSchedules({
      from: r.healthChecks.healthCheckUuid.through(r.scheduleRuns.healthCheckUuid),
      to: r.healthCheckSchedules.id.through(r.scheduleRuns.scheduleId),
    }),
  },
  workerHealthChecks: {
    healthCheck: r.one.healthChecks({
      from: r.workerHealthChecks.healthCheckUuid,
      to: r.healthChecks.healthCheckUuid,
      optional: false,
    }),
  },
  healthCheckSchedules: {
    // The runs the schedule started.
    runs: r.many.healthChecks({
      from: r.healthCheckSchedules.id.through(r.scheduleRuns.scheduleId),
      to: r.healthChecks.healthCheckUuid.through(r.scheduleRuns.healthCheckUuid),
    }),
  },
  // Alerting: an alert's transitions and deliveries, a delivery's attempts.
  alerts: {
    transitions: r.many.alertTransitions({ from: r.alerts.id, to: r.alertTransitions.alertId }),
    deliveries: r.many.alertDeliveries({ from: r.alerts.id, to: r.alertDeliveries.alertId }),
  },
  alertDeliveries: {
    attemptLog: r.many.alertDeliveryAttempts({ from: r.alertDeliveries.id, to: r.alertDeliveryAttempts.deliveryId }),
  },
}));

export type Relations = typeof relations;
