import { decodeBase64, decodeCursorChunk } from '@pothos/core';
import { healthChecks } from '../db/health-checks';
import { badInput } from '../operations/errors';
import { healthStatusFor } from '../domain/health-status';
import { parseStringList } from '../operations/json-columns';
import { historyFilter } from '../operations/status';
import { builder } from './builder';
import { HealthCheckStatusEnum, HealthStatusEnum, TriggerTypeEnum } from './enums';

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
    workerResults: t.relation('workerResults', { query: { orderBy: { id: 'asc' } } }),
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

interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/**
 * Refuses page arguments out of range and cursors this connection never issued, whatever is
 * selected: Pothos reads them only when it builds the page's query, which it skips when only
 * `totalCount` is asked for. A cursor is the plugin's `DC:` chunk of the row's integer id, decoded
 * here with @pothos/core's own decoder.
 */
function validatePageArgs(args: PageArgs) {
  for (const [name, value] of [['first', args.first], ['last', args.last]] as const) {
    if (value != null && (value < 1 || value > MAX_PAGE_SIZE)) {
      throw badInput(`"${name}" must be between 1 and ${MAX_PAGE_SIZE}; got ${value}.`);
    }
  }
  for (const [name, cursor] of [['after', args.after], ['before', args.before]] as const) {
    if (cursor == null) continue;
    let id: unknown;
    try {
      const decoded = decodeBase64(cursor);
      id = decoded.startsWith('DC:') ? decodeCursorChunk(decoded.slice(3)) : undefined;
    } catch {
      id = undefined;
    }
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
      throw badInput(`"${name}" is not a cursor of this connection: ${JSON.stringify(cursor.slice(0, 100))}. Pass an edge's cursor or pageInfo.endCursor.`);
    }
  }
}

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
        validatePageArgs(args);
        return ctx.db.$count(healthChecks, historyFilter(args));
      },
      resolve: (query, _root, args, ctx) => {
        validatePageArgs(args);
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
