import { healthChecks } from '../db/health-checks';
import { healthStatusFor } from '../domain/health-status';
import { parseStringList } from '../operations/json-columns';
import { historyFilter } from '../operations/status';
import { builder } from './builder';
import { validateFirstArg, validatePageArgs } from './page-args';
import { HealthCheckStatusEnum, HealthStatusEnum, TriggerTypeEnum } from './enums';

/** The most worker results one run's `workerResults(first:)` may ask for. */
export const MAX_WORKER_RESULTS = 10_000;

export const HealthCheckType = builder.drizzleObject('healthChecks', {
  name: 'HealthCheck',
  description: 'One health-check run across the fleet.',
  fields: (t) => ({
    uuid: t.exposeID('healthCheckUuid'),
    triggerType: t.field({ type: TriggerTypeEnum, resolve: (row) => row.triggerType }),
    triggerSource: t.exposeString('triggerSource', { nullable: true }),
    status: t.field({
      type: HealthCheckStatusEnum,
      select: { columns: { status: true } },
      resolve: (row) => row.status ?? 'running',
    }),
    totalWorkers: t.int({ select: { columns: { totalWorkers: true } }, resolve: (row) => row.totalWorkers ?? 0 }),
    completedWorkers: t.int({
      select: { columns: { completedWorkers: true } },
      resolve: (row) => row.completedWorkers ?? 0,
    }),
    passedWorkers: t.int({ select: { columns: { passedWorkers: true } }, resolve: (row) => row.passedWorkers ?? 0 }),
    failedWorkers: t.int({ select: { columns: { failedWorkers: true } }, resolve: (row) => row.failedWorkers ?? 0 }),
    overallHealthScore: t.float({
      description: 'Mean of the worker scores, in [0, 1]; final once the run is.',
      select: { columns: { overallHealthScore: true } },
      resolve: (row) => row.overallHealthScore ?? 0,
    }),
    healthStatus: t.field({
      type: HealthStatusEnum,
      nullable: true,
      description: 'The band of overallHealthScore; null while the run is still running.',
      select: { columns: { status: true, overallHealthScore: true } },
      resolve: (row) => ((row.status ?? 'running') === 'running' ? null : healthStatusFor(row.overallHealthScore ?? 0)),
    }),
    aiAnalysis: t.exposeString('aiAnalysis', { nullable: true }),
    aiRecommendations: t.stringList({
      description: 'Ranked, most important first.',
      select: { columns: { aiRecommendations: true } },
      resolve: (row) => parseStringList(row.aiRecommendations),
    }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    timeoutAt: t.expose('timeoutAt', { type: 'DateTime', nullable: true }),
    workerResults: t.relation('workerResults', {
      description: `The run's worker checks, in the order they were planned. \`first\` returns only the first that many (0 to ${MAX_WORKER_RESULTS}); without it, all of them.`,
      args: {
        first: t.arg.int({ description: `At most this many worker checks, the first ones in order (0 to ${MAX_WORKER_RESULTS}).` }),
      },
      // The limit is part of the page's one relational statement (a LIMIT inside the run's
      // subquery), not a slice of rows already read.
      query: (args) => {
        validateFirstArg(args.first, MAX_WORKER_RESULTS);
        return { orderBy: { id: 'asc' }, limit: args.first ?? undefined };
      },
    }),
    schedule: t.relation('schedule', {
      nullable: true,
      description: 'The schedule that started this run; null for other runs and once the schedule is deleted.',
    }),
  }),
});

builder.queryField('healthCheck', (t) =>
  t.drizzleField({
    type: 'healthChecks',
    nullable: true,
    authScopes: { viewer: true },
    description: 'One health check, by its uuid.',
    args: { uuid: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.query.healthChecks.findFirst(query({ where: { healthCheckUuid: args.uuid } })),
  }),
);

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

builder.queryField('healthChecks', (t) =>
  t.drizzleConnection(
    {
      type: 'healthChecks',
      authScopes: { viewer: true },
      description: `Health-check history, newest first. Pages hold ${DEFAULT_PAGE_SIZE} by default and ${MAX_PAGE_SIZE} at most.`,
      args: {
        triggerType: t.arg({ type: TriggerTypeEnum }),
        status: t.arg({ type: HealthCheckStatusEnum }),
      },
      defaultSize: DEFAULT_PAGE_SIZE,
      maxSize: MAX_PAGE_SIZE,
      totalCount: (_parent, args, ctx) => {
        validatePageArgs(args, MAX_PAGE_SIZE);
        return ctx.db.$count(healthChecks, historyFilter(args));
      },
      resolve: (query, _root, args, ctx) => {
        validatePageArgs(args, MAX_PAGE_SIZE);
        return ctx.db.query.healthChecks.findMany(
          query({
            where: {
              ...(args.triggerType ? { triggerType: args.triggerType } : {}),
              ...(args.status ? { status: args.status } : {}),
            },
            orderBy: { id: 'desc' },
          }),
        );
      },
    },
    { name: 'HealthCheckConnection', description: 'A page of health checks, newest first.' },
    { name: 'HealthCheckEdge' },
  ),
);
