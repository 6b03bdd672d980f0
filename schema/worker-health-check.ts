import { FINAL_WORKER_CHECK_STATUSES, type WorkerCheckStatus } from '../db/worker-health-checks';
import { healthStatusFor } from '../domain/health-status';
import { parseStringList } from '../operations/json-columns';
import { builder } from './builder';
import { HealthStatusEnum, WorkerCheckStatusEnum } from './enums';
import { TestSuiteResultType } from './test-results';

export const WorkerHealthCheckType = builder.drizzleObject('workerHealthChecks', {
  name: 'WorkerHealthCheck',
  description: "One worker's part of a health check: its tests, metrics, connectivity and score.",
  fields: (t) => {
    // Each suite selects its three counters and its JSON results; the JSON is parsed only when the
    // suite's `results` is selected (schema/test-results.ts), never for the counters alone.
    const suite = (total: 'unitTestsTotal' | 'performanceTestsTotal' | 'integrationTestsTotal') => {
      const prefix = total.replace('TestsTotal', '') as 'unit' | 'performance' | 'integration';
      return t.field({
        type: TestSuiteResultType,
        select: {
          columns: {
            [`${prefix}TestsTotal`]: true,
            [`${prefix}TestsPassed`]: true,
            [`${prefix}TestsFailed`]: true,
            [`${prefix}TestResults`]: true,
          },
        },
        resolve: (row) => ({
          total: row[`${prefix}TestsTotal`] ?? 0,
          passed: row[`${prefix}TestsPassed`] ?? 0,
          failed: row[`${prefix}TestsFailed`] ?? 0,
          resultsJson: row[`${prefix}TestResults`],
        }),
      });
    };
    return {
      uuid: t.exposeID('workerCheckUuid'),
      healthCheckUuid: t.exposeID('healthCheckUuid'),
      workerName: t.exposeString('workerName'),
      workerType: t.exposeString('workerType'),
      status: t.field({
        type: WorkerCheckStatusEnum,
        select: { columns: { status: true } },
        resolve: (row) => row.status ?? 'pending',
      }),
      healthScore: t.float({
        select: { columns: { healthScore: true } },
        resolve: (row) => row.healthScore ?? 0,
      }),
      healthStatus: t.field({
        type: HealthStatusEnum,
        nullable: true,
        description: 'The band of healthScore; null until the check is final.',
        select: { columns: { status: true, healthScore: true } },
        resolve: (row) =>
          FINAL_WORKER_CHECK_STATUSES.includes((row.status ?? 'pending') as WorkerCheckStatus)
            ? healthStatusFor(row.healthScore ?? 0)
            : null,
      }),
      uptimeSeconds: t.exposeInt('uptimeSeconds', { nullable: true }),
      memoryUsageMb: t.exposeFloat('memoryUsageMb', {
        nullable: true,
        description: 'Null where the runtime cannot measure it (Workers cannot).',
      }),
      cpuUsagePercent: t.exposeFloat('cpuUsagePercent', {
        nullable: true,
        description: 'Null where the runtime cannot measure it (Workers cannot).',
      }),
      responseTimeMs: t.exposeInt('responseTimeMs', { nullable: true }),
      orchestratorConnectivity: t.boolean({
        select: { columns: { orchestratorConnectivity: true } },
        resolve: (row) => row.orchestratorConnectivity ?? false,
      }),
      externalApiConnectivity: t.exposeBoolean('externalApiConnectivity', {
        nullable: true,
        description: 'Null when the worker has no external API configured.',
      }),
      databaseConnectivity: t.exposeBoolean('databaseConnectivity', {
        nullable: true,
        description: 'Null when the worker has no database configured.',
      }),
      unitTests: suite('unitTestsTotal'),
      performanceTests: suite('performanceTestsTotal'),
      integrationTests: suite('integrationTestsTotal'),
      errorMessage: t.exposeString('errorMessage', { nullable: true }),
      warnings: t.stringList({
        select: { columns: { warnings: true } },
        resolve: (row) => parseStringList(row.warnings),
      }),
      aiWorkerAnalysis: t.exposeString('aiWorkerAnalysis', { nullable: true }),
      aiWorkerRecommendations: t.stringList({
        description: 'Ranked, most important first.',
        select: { columns: { aiWorkerRecommendations: true } },
        resolve: (row) => parseStringList(row.aiWorkerRecommendations),
      }),
      requestedAt: t.expose('requestedAt', { type: 'DateTime', nullable: true }),
      startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
      completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
      healthCheck: t.relation('healthCheck'),
    };
  },
});

builder.queryField('workerHealthCheck', (t) =>
  t.drizzleField({
    type: 'workerHealthChecks',
    nullable: true,
    authScopes: { viewer: true },
    description: "One worker's check, by its uuid.",
    args: { uuid: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.query.workerHealthChecks.findFirst(query({ where: { workerCheckUuid: args.uuid } })),
  }),
);
