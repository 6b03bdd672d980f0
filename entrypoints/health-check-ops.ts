import { WorkerEntrypoint } from 'cloudflare:workers';
import { createOperationDeps, type OperationDeps } from '../operations/deps';
import { badInput, OperationError } from '../operations/errors';
import { initiateHealthCheck } from '../operations/initiate';
import { recordWorkerResult } from '../operations/record-result';
import { createRunControl } from '../durable/run-control';
import { getHealthCheckHistory, getHealthCheckStatus } from '../operations/status';

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
  status: 'passed' | 'failed' | 'skipped';
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

/**
 * RPC for other Workers over a service binding (the seed's HealthCheckOps), over the same
 * operations as GraphQL. A service binding is its own authentication: only Workers the
 * deployment binds can call it. Errors keep their CONTRACT.md code in the message prefix.
 */
export class HealthCheckOps extends WorkerEntrypoint<Env> {
  private deps(): OperationDeps {
    return createOperationDeps(this.env, (promise) => this.ctx.waitUntil(promise));
  }

  private async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof OperationError) throw new Error(`${error.code}: ${error.message}`);
      console.error(error);
      throw new Error('INTERNAL_SERVER_ERROR: the operation failed unexpectedly.');
    }
  }

  initiateHealthCheck(params: InitiateParams = {}) {
    return this.run(async () => {
      const runs = createRunControl(this.env);
      const result = await initiateHealthCheck(
        { ...this.deps(), startRun: runs.startRun },
        {
          triggerType: params.trigger_type ?? 'on_demand',
          triggerSource: params.trigger_source ?? null,
          ...(params.timeout_minutes !== undefined ? { timeoutMinutes: params.timeout_minutes } : {}),
          includeUnitTests: params.include_unit_tests ?? true,
          includePerformanceTests: params.include_performance_tests ?? true,
          includeIntegrationTests: params.include_integration_tests ?? true,
          workerFilters: params.worker_filters ?? null,
          debugMode: params.debug_mode ?? false,
        },
      );
      return {
        health_check_uuid: result.healthCheckUuid,
        status: result.status,
        total_workers: result.totalWorkers,
        message: result.message,
      };
    });
  }

  getHealthCheckStatus(uuid: string) {
    return this.run(() => getHealthCheckStatus(this.deps().db, uuid));
  }

  getHealthCheckHistory(page = 1, limit = 20, triggerType?: 'on_demand' | 'cron') {
    return this.run(() => getHealthCheckHistory(this.deps().db, page, limit, triggerType));
  }

  receiveHealthCheckResult(workerCheckUuid: string, results: WorkerResultParams) {
    return this.run(async () => {
      if (!results || typeof results !== 'object') throw badInput('results must be an object in the seed\'s result shape.');
      const runs = createRunControl(this.env);
      const recorded = await recordWorkerResult(
        this.deps(),
        workerCheckUuid,
        {
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
        },
        { notifyRun: runs.notifyRun },
      );
      return { success: recorded.success, message: recorded.message };
    });
  }
}
