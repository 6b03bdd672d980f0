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
}));

export type Relations = typeof relations;
