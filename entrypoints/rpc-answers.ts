/**
 * RPC answers in the seed's snake_case (HealthCheckOps' getHealthCheckStatus and
 * getHealthCheckHistory), shaped from the rows the operations return. GraphQL shapes the same rows
 * its own way in schema/; this file is RPC's half of the mapping, rpc-params.ts the other.
 */
import type { HealthCheckRow } from '../db/health-checks';
import type { WorkerHealthCheckRow } from '../db/worker-health-checks';
import { parseStringList, parseTestResults } from '../operations/json-columns';
import type { RunWithWorkerChecks, getHealthCheckHistory } from '../operations/status';

type HistoryPage = Awaited<ReturnType<typeof getHealthCheckHistory>>;

/** `getHealthCheckStatus`: the run and its worker checks. */
export function statusAnswer(run: RunWithWorkerChecks) {
  const { workerResults, ...fields } = run;
  return { ...runAnswer(fields), worker_results: workerResults.map(workerAnswer) };
}

/** `getHealthCheckHistory`: one page of runs and the total. */
export function historyAnswer(history: HistoryPage) {
  return { health_checks: history.runs.map(runAnswer), total_count: history.totalCount, page: history.page, limit: history.limit };
}

function runAnswer(run: HealthCheckRow) {
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

function workerAnswer(row: WorkerHealthCheckRow) {
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
