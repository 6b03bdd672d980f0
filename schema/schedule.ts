import { parseStringList } from '../operations/json-columns';
import { DEFAULT_TIMEOUT_MINUTES, MAX_TIMEOUT_MINUTES } from '../operations/initiate';
import { createSchedule, deleteSchedule, nextRunAt, updateSchedule } from '../operations/schedules';
import { builder } from './builder';

export const HealthCheckScheduleType = builder.drizzleObject('healthCheckSchedules', {
  name: 'HealthCheckSchedule',
  description: 'A cron schedule that starts health checks.',
  fields: (t) => ({
    name: t.exposeString('name'),
    cronExpression: t.exposeString('cronExpression'),
    enabled: t.boolean({ select: { columns: { enabled: true } }, resolve: (row) => row.enabled ?? true }),
    timeoutMinutes: t.int({ select: { columns: { timeoutMinutes: true } }, resolve: (row) => row.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES }),
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

const scheduleInputFields = {
  cronExpression: 'Five fields, or six with seconds first; evaluated in UTC, e.g. "0 2 * * *".',
  timeoutMinutes: `Deadline for each run's results, 1 to ${MAX_TIMEOUT_MINUTES}.`,
  workerFilters: 'Worker names or types to check; all enabled workers when empty.',
};

const CreateScheduleInput = builder.inputType('CreateScheduleInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    cronExpression: t.string({ required: true, description: scheduleInputFields.cronExpression }),
    enabled: t.boolean({ defaultValue: true }),
    timeoutMinutes: t.int({ defaultValue: DEFAULT_TIMEOUT_MINUTES, description: scheduleInputFields.timeoutMinutes }),
    includeUnitTests: t.boolean({ defaultValue: true }),
    includePerformanceTests: t.boolean({ defaultValue: true }),
    includeIntegrationTests: t.boolean({ defaultValue: true }),
    workerFilters: t.stringList({ description: scheduleInputFields.workerFilters }),
  }),
});

const UpdateScheduleInput = builder.inputType('UpdateScheduleInput', {
  description: 'Only the fields given change.',
  fields: (t) => ({
    cronExpression: t.string({ description: scheduleInputFields.cronExpression }),
    enabled: t.boolean(),
    timeoutMinutes: t.int({ description: scheduleInputFields.timeoutMinutes }),
    includeUnitTests: t.boolean(),
    includePerformanceTests: t.boolean(),
    includeIntegrationTests: t.boolean(),
    workerFilters: t.stringList({ description: scheduleInputFields.workerFilters }),
  }),
});

builder.mutationField('createSchedule', (t) =>
  t.drizzleField({
    type: 'healthCheckSchedules',
    authScopes: { admin: true },
    description: 'Adds a cron schedule; the orchestrator starts its runs from its every-minute cron trigger.',
    args: { input: t.arg({ type: CreateScheduleInput, required: true }) },
    resolve: (_query, _root, { input }, ctx) =>
      createSchedule(ctx.db, {
        name: input.name,
        cronExpression: input.cronExpression,
        ...(input.enabled != null ? { enabled: input.enabled } : {}),
        ...(input.timeoutMinutes != null ? { timeoutMinutes: input.timeoutMinutes } : {}),
        ...(input.includeUnitTests != null ? { includeUnitTests: input.includeUnitTests } : {}),
        ...(input.includePerformanceTests != null ? { includePerformanceTests: input.includePerformanceTests } : {}),
        ...(input.includeIntegrationTests != null ? { includeIntegrationTests: input.includeIntegrationTests } : {}),
        ...(input.workerFilters ? { workerFilters: input.workerFilters } : {}),
      }),
  }),
);

builder.mutationField('updateSchedule', (t) =>
  t.drizzleField({
    type: 'healthCheckSchedules',
    authScopes: { admin: true },
    args: { name: t.arg.string({ required: true }), input: t.arg({ type: UpdateScheduleInput, required: true }) },
    resolve: (_query, _root, { name, input }, ctx) => updateSchedule(ctx.db, name, input),
  }),
);

builder.mutationField('deleteSchedule', (t) =>
  t.boolean({
    authScopes: { admin: true },
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => deleteSchedule(ctx.db, name),
  }),
);
