import { defineRelations } from 'drizzle-orm';
import * as tables from './tables';

export const relations = defineRelations(tables, (r) => ({
  healthChecks: {
    workerResults: r.many.workerHealthChecks({
      from: r.healthChecks.healthCheckUuid,
      to: r.workerHealthChecks.healthCheckUuid,
    }),
  },
  workerHealthChecks: {
    healthCheck: r.one.healthChecks({
      from: r.workerHealthChecks.healthCheckUuid,
      to: r.healthChecks.healthCheckUuid,
      optional: false,
    }),
  },
}));

export type Relations = typeof relations;
