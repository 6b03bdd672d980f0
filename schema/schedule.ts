import { fromSqliteTimestamp } from '../db/columns';
import { CATCH_UP_GRACE_MINUTES } from '../domain/schedule-math';
import { parseStringList } from '../operations/json-columns';
import { DEFAULT_TIMEOUT_MINUTES, MAX_TIMEOUT_MINUTES } from '../operations/initiate';
import {
  countScheduleRuns,
  createSchedule,
  DEFAULT_TIME_ZONE,
  deleteSchedule,
  lastRunStartedAt,
  nextRunAt,
  updateSchedule,
} from '../operations/schedules';
import { builder } from './builder';
import { validatePageArgs } from './page-args';

const RUNS_PAGE_SIZE = 20;
const RUNS_MAX_PAGE_SIZE = 100;

export const HealthCheckScheduleType = builder.drizzleObject('healthCheckSchedules', {
  name: 'HealthCheckSchedule',
  description: 'A cron schedule that starts health checks.',
  fields: (t) => ({
    name: t.exposeString('name'),
    cronExpression: t.exposeString('cronExpression'),
    timeZone: t.string({
      description: 'The IANA time zone cronExpression is read in (UTC unless set).',
      select: { columns: { timeZone: true } },
      resolve: (row) => row.timeZone ?? DEFAULT_TIME_ZONE,
    }),
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
      description: 'When it is next due, computed in timeZone; its run starts in the cron tick of that minute. Null when disabled.',
      select: { columns: { cronExpression: true, enabled: true, timeZone: true } },
      resolve: (row) => nextRunAt(row),
    }),
    lastRunAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When its latest run started; null if it has started none.',
      select: { extras: { lastRunAt: (schedules) => lastRunStartedAt(schedules.id) } },
      resolve: (row) => (row.lastRunAt ? fromSqliteTimestamp(row.lastRunAt) : null),
    }),
    runs: t.relatedConnection(
      'runs',
      {
        description: `The runs it started, newest first (${RUNS_PAGE_SIZE} a page by default, ${RUNS_MAX_PAGE_SIZE} at most), catch-up runs included.`,
        query: { orderBy: { id: 'desc' } },
        defaultSize: RUNS_PAGE_SIZE,
        // Out of range, or a cursor this connection never issued, is refused as on healthChecks.
        maxSize: (args) => {
          validatePageArgs(args, RUNS_MAX_PAGE_SIZE);
          return RUNS_MAX_PAGE_SIZE;
        },
      },
      {
        // The plugin's own totalCount for a `through` relation renders broken SQL with drizzle-orm
        // 1.0.0-rc.5 (relationToSQL returns chunks, not SQL), so the count is one query of its own.
        fields: (t) => ({
          totalCount: t.int({
            resolve: (connection, _args, ctx) => countScheduleRuns(ctx.db, (connection as unknown as { parent: { id: number } }).parent.id),
          }),
        }),
      },
    ),
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
  cronExpression:
    'Five fields, or six with seconds first (a due second fires in the cron tick of its minute), read in timeZone, e.g. "0 2 * * *".',
  timeZone:
    'An IANA time zone such as "Europe/Berlin". Across daylight-saving changes each matching local time fires once: a repeated one at its first occurrence, a skipped one at the first instant after the gap.',
  timeoutMinutes: `Deadline for each run's results, 1 to ${MAX_TIMEOUT_MINUTES}.`,
  workerFilters: 'Worker names or types to check; all enabled workers when empty.',
};

const CreateScheduleInput = builder.inputType('CreateScheduleInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    cronExpression: t.string({ required: true, description: scheduleInputFields.cronExpression }),
    timeZone: t.string({ description: `${scheduleInputFields.timeZone} "${DEFAULT_TIME_ZONE}" when not given.` }),
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
    timeZone: t.string({ description: scheduleInputFields.timeZone }),
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
    description: `Adds a cron schedule; the orchestrator starts its runs from its every-minute cron trigger, one per due time, and one catch-up run for a due time missed by at most ${CATCH_UP_GRACE_MINUTES} minutes. BAD_USER_INPUT for an invalid expression, an unknown zone or filters matching no registered worker; CONFLICT for a name in use.`,
    args: { input: t.arg({ type: CreateScheduleInput, required: true }) },
    resolve: (_query, _root, { input }, ctx) =>
      createSchedule(ctx.db, {
        name: input.name,
        cronExpression: input.cronExpression,
        ...(input.timeZone != null ? { timeZone: input.timeZone } : {}),
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
    description: 'Changes the fields given. Due times before the change are not caught up.',
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
