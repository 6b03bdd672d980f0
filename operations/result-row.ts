import { getTableColumns } from 'drizzle-orm';
import { workerHealthChecks, type WorkerHealthCheckRow } from '../db/worker-health-checks';
import { healthStatusFor } from '../domain/health-status';
import { PASSING_SCORE, scoreWorker } from '../domain/scoring';
import type { AcceptedTestResult, AcceptedWorkerResult } from '../sdk/src/protocol';
import type { DriverRow } from './run-ledger-types';

type Columns = Partial<WorkerHealthCheckRow>;

/**
 * A validated result's row: status completed, its score and health status, the suites' counts and
 * JSON, as D1 stores them. Worked out by the Worker that received the result, so the run's single
 * thread only decides and queues (durable/run-ledger.ts).
 */
export function completedRow(result: AcceptedWorkerResult, input: unknown): { columns: DriverRow; healthScore: number; passing: boolean } {
  const unit = suiteCounts(result.unitTests);
  const performance = suiteCounts(result.performanceTests);
  const integration = suiteCounts(result.integrationTests);
  const healthScore = scoreWorker({
    status: 'completed',
    unitTests: unit,
    performanceTests: performance,
    integrationTests: integration,
    orchestratorConnectivity: result.orchestratorConnectivity,
    databaseConnectivity: result.databaseConnectivity ?? null,
    externalApiConnectivity: result.externalApiConnectivity ?? null,
    responseTimeMs: result.responseTimeMs ?? null,
  });
  const columns = toDriverRow({
    status: 'completed',
    overallStatus: healthStatusFor(healthScore),
    healthScore,
    uptimeSeconds: result.uptimeSeconds ?? null,
    memoryUsageMb: result.memoryUsageMb ?? null,
    cpuUsagePercent: result.cpuUsagePercent ?? null,
    responseTimeMs: result.responseTimeMs ?? null,
    orchestratorConnectivity: result.orchestratorConnectivity,
    externalApiConnectivity: result.externalApiConnectivity ?? null,
    databaseConnectivity: result.databaseConnectivity ?? null,
    unitTestsTotal: unit.total,
    unitTestsPassed: unit.passed,
    unitTestsFailed: unit.failed,
    unitTestResults: JSON.stringify(result.unitTests),
    performanceTestsTotal: performance.total,
    performanceTestsPassed: performance.passed,
    performanceTestsFailed: performance.failed,
    performanceTestResults: JSON.stringify(result.performanceTests),
    integrationTestsTotal: integration.total,
    integrationTestsPassed: integration.passed,
    integrationTestsFailed: integration.failed,
    integrationTestResults: JSON.stringify(result.integrationTests),
    errorMessage: result.errorMessage ?? null,
    warnings: JSON.stringify(result.warnings ?? []),
    rawResults: JSON.stringify(input),
    startedAt: new Date(result.startedAt),
    completedAt: new Date(result.completedAt),
  });
  return { columns, healthScore, passing: healthScore >= PASSING_SCORE };
}

/** A worker that failed (not reachable, refused its dispatch) or timed out: score 0, with why. */
export function endedRow(status: 'failed' | 'timeout', errorMessage: string, at: Date = new Date()): DriverRow {
  return toDriverRow({ status, healthScore: 0, overallStatus: 'critical', errorMessage, completedAt: at });
}

/** Column values as D1 stores them (booleans as 0/1, dates as SQLite timestamps), by column name. */
function toDriverRow(values: Columns): DriverRow {
  const columns = getTableColumns(workerHealthChecks) as Record<string, { name: string; mapToDriverValue(value: unknown): unknown }>;
  const row: DriverRow = {};
  for (const [key, value] of Object.entries(values)) {
    const column = columns[key]!;
    row[column.name] = value === null || value === undefined ? null : (column.mapToDriverValue(value) as string | number);
  }
  return row;
}

function suiteCounts(tests: AcceptedTestResult[]) {
  const passed = tests.filter((test) => test.status === 'passed').length;
  const failed = tests.filter((test) => test.status === 'failed').length;
  return { total: tests.length, passed, failed };
}

/** SHA-256 (hex) of a result's canonical JSON: the same result whatever order its keys came in. */
export async function resultDigest(result: unknown): Promise<string> {
  const bytes = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical(JSON.parse(JSON.stringify(result)))));
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
