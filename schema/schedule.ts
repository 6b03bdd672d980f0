import { parseStringList } from '../resolvers/json-columns';
import { nextRunAt } from '../resolvers/schedules';
import { builder } from './builder';

export const HealthCheckScheduleType = builder.drizzleObject('healthCheckSchedules', {
  name: 'HealthCheckSchedule',
  description: 'A cron schedule that starts health checks.',
  fields: (t) => ({
    name: t.exposeString('name'),
    cronExpression: t.exposeString('cronExpression'),
    enabled: t.boolean({ select: { columns: { enabled: true } }, resolve: (row) => row.enabled ?? true }),
    timeoutMinutes: t.int({ select: { columns: { timeoutMinutes: true } }, resolve: (row) => row.timeoutMinutes ?? 30 }),
    includeUnitTests: t.boolean({
      select: { columns: { includeUnitTests: true } },
      resolve: (row) => row.includeUnitTests ?? true,
    }),
    includePerformanceTests: t.boolean({
      select: { columns: { includePerformanceTests: true } },
      resolve: (row) => row.includePerformanceTests ?? true,
    }),
    includeIntegrationTests: t.boolean({
      select: { columns: { includeIntegrationTests: true } },
      resolve: (row) => row.includeIntegrationTests ?? true,
    }),
    workerFilters: t.stringList({
      select: { columns: { workerFilters: true } },
      resolve: (row) => parseStringList(row.workerFilters),
    }),
    nextRunAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it fires next (UTC); null when disabled.',
      select: { columns: { cronExpression: true, enabled: true } },
      resolve: (row) => nextRunAt(row),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('schedules', (t) =>
  t.drizzleField({
    type: ['healthCheckSchedules'],
    authScopes: { viewer: true },
    description: 'Every schedule, by name.',
    resolve: (query, _root, _args, ctx) => ctx.db.query.healthCheckSchedules.findMany(query({ orderBy: { name: 'asc' } })),
  }),
);
