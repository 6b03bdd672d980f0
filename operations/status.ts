import { and, eq, type SQL } from 'drizzle-orm';
import { healthChecks, type HealthCheckRow, type RunStatus, type TriggerType } from '../db/health-checks';
import type { WorkerHealthCheckRow } from '../db/worker-health-checks';
import type { Db } from '../db/client';
import { badInput, notFound } from './errors';
import { parseStringList, parseTestResults } from './json-columns';

/** The seed's snake_case shapes for the RPC entrypoint (getHealthCheckStatus, getHealthCheckHistory). */
function runShape(run: HealthCheckRow) {
  return {
    health_check_uuid: run.healthCheckUuid,
    trigger_type: run.triggerType,
    trigger_source: run.triggerSource,
    status: run.status,
    total_workers: run.totalWorkers ?? 0,
    completed_workers: run.completedWorkers ?? 0,
    passed_workers: run.passedWorkers ?? 0,
    failed_workers: run.failedWorkers ?? 0,
    overall_health_score: run.overallHealthScore ?? 0,
    ai_analysis: run.aiAnalysis,
    ai_recommendations: parseStringList(run.aiRecommendations),
    started_at: run.startedAt?.toISOString() ?? null,
    completed_at: run.completedAt?.toISOString() ?? null,
    timeout_at: run.timeoutAt?.toISOString() ?? null,
  };
}

function workerShape(row: WorkerHealthCheckRow) {
  const suite = (total: number | null, passed: number | null, failed: number | null, results: string | null) => ({
    total: total ?? 0,
    passed: passed ?? 0,
    failed: failed ?? 0,
    results: parseTestResults(results).map((test) => ({
      name: test.name,
      status: test.status,
      duration_ms: test.durationMs,
      error: test.error ?? null,
    })),
  });
  return {
    worker_check_uuid: row.workerCheckUuid,
    worker_name: row.workerName,
    worker_type: row.workerType,
    status: row.status,
    overall_status: row.overallStatus,
    health_score: row.healthScore ?? 0,
    uptime_seconds: row.uptimeSeconds,
    memory_usage_mb: row.memoryUsageMb,
    cpu_usage_percent: row.cpuUsagePercent,
    response_time_ms: row.responseTimeMs,
    orchestrator_connectivity: row.orchestratorConnectivity,
    external_api_connectivity: row.externalApiConnectivity,
    database_connectivity: row.databaseConnectivity,
    unit_tests: suite(row.unitTestsTotal, row.unitTestsPassed, row.unitTestsFailed, row.unitTestResults),
    performance_tests: suite(row.performanceTestsTotal, row.performanceTestsPassed, row.performanceTestsFailed, row.performanceTestResults),
    integration_tests: suite(row.integrationTestsTotal, row.integrationTestsPassed, row.integrationTestsFailed, row.integrationTestResults),
    error_message: row.errorMessage,
    warnings: parseStringList(row.warnings),
    ai_worker_analysis: row.aiWorkerAnalysis,
    ai_worker_recommendations: parseStringList(row.aiWorkerRecommendations),
    requested_at: row.requestedAt?.toISOString() ?? null,
    started_at: row.startedAt?.toISOString() ?? null,
    completed_at: row.completedAt?.toISOString() ?? null,
  };
}

export async function getHealthCheckStatus(db: Db, healthCheckUuid: string) {
  const run = await db.query.healthChecks.findFirst({
    where: { healthCheckUuid },
    with: { workerResults: { orderBy: { id: 'asc' } } },
  });
  if (!run) throw notFound(`No health check ${healthCheckUuid}.`);
  const { workerResults, ...fields } = run;
  return { ...runShape(fields), worker_results: workerResults.map(workerShape) };
}

/** The history's filters as SQL, for counting: by trigger type and by status, either or both. */
export function historyFilter(args: { triggerType?: TriggerType | null; status?: RunStatus | null }): SQL | undefined {
  return and(
    args.triggerType ? eq(healthChecks.triggerType, args.triggerType) : undefined,
    args.status ? eq(healthChecks.status, args.status) : undefined,
  );
}

export const MAX_HISTORY_LIMIT = 100;

export async function getHealthCheckHistory(db: Db, page: number, limit: number, triggerType?: TriggerType | null) {
  if (!Number.isInteger(page) || page < 1) throw badInput('page must be a whole number from 1.');
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
    throw badInput(`limit must be a whole number from 1 to ${MAX_HISTORY_LIMIT}.`);
  }
  if (triggerType != null && triggerType !== 'on_demand' && triggerType !== 'cron') {
    throw badInput('triggerType must be "on_demand" or "cron".');
  }
  const [rows, total] = await Promise.all([
    db.query.healthChecks.findMany({
      where: triggerType ? { triggerType } : {},
      orderBy: { id: 'desc' },
      limit,
      offset: (page - 1) * limit,
    }),
    db.$count(healthChecks, historyFilter({ triggerType })),
  ]);
  return { health_checks: rows.map(runShape), total_count: total, page, limit };
}
