/**
 * RPC arguments in the seed's snake_case (HealthCheckOps' initiateHealthCheck and
 * receiveHealthCheckResult), mapped onto the camelCase inputs the operations validate. Mapping
 * only: the operations' own schemas (the protocol's, for a result) then say what is wrong.
 */
import type { InitiateInput, initiateHealthCheck } from '../operations/initiate';
import { badInput } from '../operations/errors';
import type { TestStatus } from '../sdk/src/protocol';

/** The seed's snake_case initiate parameters. */
export interface InitiateParams {
  trigger_type?: 'on_demand' | 'cron';
  trigger_source?: string | null;
  timeout_minutes?: number;
  include_unit_tests?: boolean;
  include_performance_tests?: boolean;
  include_integration_tests?: boolean;
  worker_filters?: string[] | null;
  debug_mode?: boolean;
}

interface TestResultParams {
  name: string;
  status: TestStatus;
  duration_ms: number;
  error?: string | null;
}

/** The seed's snake_case result shape, as a worker with a service binding sends it. */
export interface WorkerResultParams {
  uptime_seconds?: number | null;
  memory_usage_mb?: number | null;
  cpu_usage_percent?: number | null;
  response_time_ms?: number | null;
  orchestrator_connectivity: boolean;
  external_api_connectivity?: boolean | null;
  database_connectivity?: boolean | null;
  unit_tests?: TestResultParams[];
  performance_tests?: TestResultParams[];
  integration_tests?: TestResultParams[];
  error_message?: string | null;
  warnings?: string[] | null;
  started_at: string;
  completed_at: string;
}

export function initiateInputFrom(params: InitiateParams): InitiateInput {
  return {
    triggerType: params.trigger_type ?? 'on_demand',
    triggerSource: params.trigger_source ?? null,
    ...(params.timeout_minutes !== undefined ? { timeoutMinutes: params.timeout_minutes } : {}),
    includeUnitTests: params.include_unit_tests ?? true,
    includePerformanceTests: params.include_performance_tests ?? true,
    includeIntegrationTests: params.include_integration_tests ?? true,
    workerFilters: params.worker_filters ?? null,
    debugMode: params.debug_mode ?? false,
  };
}

export function initiateAnswer(result: Awaited<ReturnType<typeof initiateHealthCheck>>) {
  return {
    health_check_uuid: result.healthCheckUuid,
    status: result.status,
    total_workers: result.totalWorkers,
    message: result.message,
  };
}

/** The result in the protocol's camelCase, not yet validated (recordWorkerResult does that). */
export function workerResultFrom(results: WorkerResultParams): Record<string, unknown> {
  if (!results || typeof results !== 'object') throw badInput("results must be an object in the seed's result shape.");
  return {
    uptimeSeconds: results.uptime_seconds,
    memoryUsageMb: results.memory_usage_mb,
    cpuUsagePercent: results.cpu_usage_percent,
    responseTimeMs: results.response_time_ms,
    orchestratorConnectivity: results.orchestrator_connectivity,
    externalApiConnectivity: results.external_api_connectivity,
    databaseConnectivity: results.database_connectivity,
    unitTests: tests('unit_tests', results.unit_tests),
    performanceTests: tests('performance_tests', results.performance_tests),
    integrationTests: tests('integration_tests', results.integration_tests),
    errorMessage: results.error_message,
    warnings: results.warnings,
    startedAt: results.started_at,
    completedAt: results.completed_at,
  };
}

/** Maps a suite to the camelCase payload; the payload's own validation then checks each test. */
function tests(suite: string, list: unknown): unknown[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw badInput(`${suite} must be a list of test results.`);
  return list.map((test: Partial<TestResultParams> | null) => ({
    name: test?.name,
    status: test?.status,
    durationMs: test?.duration_ms,
    error: test?.error ?? null,
  }));
}
