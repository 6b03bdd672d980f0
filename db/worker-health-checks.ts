import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { boolean, datetime } from './columns';
import { healthChecks } from './health-checks';

export const WORKER_CHECK_STATUSES = ['pending', 'running', 'completed', 'failed', 'timeout'] as const;
export type WorkerCheckStatus = (typeof WORKER_CHECK_STATUSES)[number];
export const FINAL_WORKER_CHECK_STATUSES: readonly WorkerCheckStatus[] = ['completed', 'failed', 'timeout'];

/** "Still open": a check that may still get a result. The one spelling of it, in code and SQL. */
export const OPEN_WORKER_CHECK_STATUSES = ['pending', 'running'] as const satisfies readonly WorkerCheckStatus[];
export const isOpenWorkerCheck = (status: WorkerCheckStatus | null): boolean => status !== null && (OPEN_WORKER_CHECK_STATUSES as readonly string[]).includes(status);
/** `('pending', 'running')`, for `status IN …` in hand-written SQL (D1's, and the run ledger's). */
export const OPEN_WORKER_CHECK_LIST = `(${OPEN_WORKER_CHECK_STATUSES.map((status) => `'${status}'`).join(', ')})`;
export const OPEN_WORKER_CHECK_SQL = sql.raw(OPEN_WORKER_CHECK_LIST);

export const HEALTH_STATUSES = ['healthy', 'degraded', 'unhealthy', 'critical'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** One worker's part of a run (the seed's `worker_health_checks`). */
export const workerHealthChecks = sqliteTable(
  'worker_health_checks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    workerCheckUuid: text('worker_check_uuid').notNull().unique(),
    healthCheckUuid: text('health_check_uuid')
      .notNull()
      .references(() => healthChecks.healthCheckUuid),
    workerName: text('worker_name').notNull(),
    workerType: text('worker_type').notNull(),
    status: text('status').$type<WorkerCheckStatus>().default('pending'),
    overallStatus: text('overall_status').$type<HealthStatus>(),
    healthScore: real('health_score').default(0.0),

    uptimeSeconds: integer('uptime_seconds'),
    memoryUsageMb: real('memory_usage_mb'),
    cpuUsagePercent: real('cpu_usage_percent'),
    responseTimeMs: integer('response_time_ms'),

    orchestratorConnectivity: boolean('orchestrator_connectivity').default(sql`FALSE`),
    externalApiConnectivity: boolean('external_api_connectivity').default(sql`FALSE`),
    databaseConnectivity: boolean('database_connectivity').default(sql`FALSE`),

    unitTestsTotal: integer('unit_tests_total').default(0),
    unitTestsPassed: integer('unit_tests_passed').default(0),
    unitTestsFailed: integer('unit_tests_failed').default(0),
    unitTestResults: text('unit_test_results'),

    performanceTestsTotal: integer('performance_tests_total').default(0),
    performanceTestsPassed: integer('performance_tests_passed').default(0),
    performanceTestsFailed: integer('performance_tests_failed').default(0),
    performanceTestResults: text('performance_test_results'),

    integrationTestsTotal: integer('integration_tests_total').default(0),
    integrationTestsPassed: integer('integration_tests_passed').default(0),
    integrationTestsFailed: integer('integration_tests_failed').default(0),
    integrationTestResults: text('integration_test_results'),

    errorMessage: text('error_message'),
    warnings: text('warnings'),
    rawResults: text('raw_results'),
    aiWorkerAnalysis: text('ai_worker_analysis'),
    aiWorkerRecommendations: text('ai_worker_recommendations'),
    /** Who wrote the analysis: JSON `{ analyser, model, unavailable }` (operations/analysis-columns.ts). */
    analysisSource: text('analysis_source'),
    /** The ranked recommendations with severity: JSON `[{ severity, workerName, text, kind }]`. */
    recommendationDetails: text('recommendation_details'),

    requestedAt: datetime('requested_at').default(sql`CURRENT_TIMESTAMP`),
    startedAt: datetime('started_at'),
    completedAt: datetime('completed_at'),

    /**
     * This worker's WORKER_RESULT in its run's order of events (HealthCheckEvent.sequence):
     * assigned, in the same conditional write that makes the row final, as the run's next number
     * after STARTED's 1 (operations/events.ts). Null while the check is open.
     */
    resultSequence: integer('result_sequence'),
  },
  (table) => [
    // A run's results, and one worker's history newest first.
    index('worker_health_checks_health_check_uuid_idx').on(table.healthCheckUuid),
    index('worker_health_checks_worker_name_id_idx').on(table.workerName, table.id),
    // One number per event of a run: a write that would give two workers the same one fails.
    uniqueIndex('worker_health_checks_result_sequence_idx').on(table.healthCheckUuid, table.resultSequence),
  ],
);

export type WorkerHealthCheckRow = typeof workerHealthChecks.$inferSelect;
