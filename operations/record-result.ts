import { and, eq, inArray, sql } from 'drizzle-orm';
import { healthChecks } from '../db/health-checks';
import { isOpenWorkerCheck, OPEN_WORKER_CHECK_SQL, OPEN_WORKER_CHECK_STATUSES, workerHealthChecks } from '../db/worker-health-checks';
import type { OperationDeps } from './deps';
import { badInput, conflict, notFound, unauthenticated } from './errors';
import { healthStatusFor } from '../domain/health-status';
import { recountRun } from './run-counters';
import { scoreWorker } from '../domain/scoring';
import { workerResultSchema, type AcceptedTestResult } from '../sdk/src/protocol';
import { nextResultSequence } from './events';

export interface RecordResultOptions {
  /** The callback's `webhook-id`, consumed in the same batch as the result. */
  webhookId?: string;
  /** Tells the run's Durable Object a result is in, so it can finalise the run. */
  notifyRun(healthCheckUuid: string): Promise<void>;
  /** The check as the caller already read it (to verify the signature), so it is not read twice. */
  check?: WorkerCheck;
}

export type WorkerCheck = NonNullable<Awaited<ReturnType<typeof findWorkerCheckOrNull>>>;

/** Finds the worker check a result is for, or says why there is none. */
export async function findWorkerCheck(deps: Pick<OperationDeps, 'db'>, workerCheckUuid: string) {
  const row = await findWorkerCheckOrNull(deps, workerCheckUuid);
  if (!row) throw notFound(`No worker check ${workerCheckUuid}.`);
  return row;
}

export function findWorkerCheckOrNull(deps: Pick<OperationDeps, 'db'>, workerCheckUuid: string) {
  return deps.db.query.workerHealthChecks.findFirst({
    columns: { workerCheckUuid: true, healthCheckUuid: true, workerName: true, status: true },
    where: { workerCheckUuid },
    with: { healthCheck: { columns: { status: true } } },
  });
}

/**
 * Records one worker's result exactly once: the row is only updated while it is pending or
 * running and its run is still running, so a duplicate, a late result (after a timeout) or one
 * for a cancelled run is CONFLICT and changes nothing. Counters are recounted in the same batch.
 */
export async function recordWorkerResult(
  deps: OperationDeps,
  workerCheckUuid: string,
  input: unknown,
  options: RecordResultOptions,
) {
  // The protocol's schema, the one the SDK fits its results to before sending (GraphQL and RPC alike).
  const parsed = workerResultSchema.safeParse(input);
  if (!parsed.success) {
    throw badInput(
      `The result is malformed: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'result'}: ${issue.message}`).join('; ')}`,
    );
  }
  const result = parsed.data;
  if (options.webhookId) {
    const used = await deps.db.query.webhookDeliveries.findFirst({ columns: { webhookId: true }, where: { webhookId: options.webhookId } });
    if (used) throw unauthenticated(`The webhook-id ${options.webhookId} was already used: this delivery is a replay.`);
  }
  const check = options.check ?? (await findWorkerCheck(deps, workerCheckUuid));
  if (check.healthCheck.status !== 'running') {
    throw conflict(`The health check is already ${check.healthCheck.status}; the result of ${check.workerName} came too late.`);
  }
  if (!isOpenWorkerCheck(check.status)) {
    throw conflict(`The result of ${check.workerName} is already recorded (${check.status}).`);
  }

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
  const stillOpen = and(
    eq(workerHealthChecks.workerCheckUuid, workerCheckUuid),
    inArray(workerHealthChecks.status, OPEN_WORKER_CHECK_STATUSES),
    sql`EXISTS (SELECT 1 FROM health_checks h WHERE h.health_check_uuid = ${check.healthCheckUuid} AND h.status = 'running')`,
  );
  const update = deps.db
    .update(workerHealthChecks)
    .set({
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
      startedAt: result.startedAt,
      completedAt: result.completedAt,
      // Its WORKER_RESULT's place in the run's story, taken in this same write (operations/events.ts).
      resultSequence: nextResultSequence(check.healthCheckUuid),
    })
    .where(stillOpen)
    .returning({ id: workerHealthChecks.id, resultSequence: workerHealthChecks.resultSequence });

  let updated: { id: number; resultSequence: number | null }[];
  try {
    const batch = options.webhookId
      ? await deps.db.batch([
          // Consumed only with a result that is recorded: written while the row is still open.
          deps.db.run(sql`INSERT INTO webhook_deliveries (webhook_id, worker_check_uuid)
            SELECT ${options.webhookId}, ${workerCheckUuid}
            WHERE EXISTS (SELECT 1 FROM worker_health_checks w JOIN health_checks h ON h.health_check_uuid = w.health_check_uuid
                          WHERE w.worker_check_uuid = ${workerCheckUuid} AND w.status IN ${OPEN_WORKER_CHECK_SQL} AND h.status = 'running')`),
          update,
          recountRun(deps.db, check.healthCheckUuid),
        ])
      : await deps.db.batch([update, recountRun(deps.db, check.healthCheckUuid)]);
    updated = (options.webhookId ? batch[1] : batch[0]) as typeof updated;
  } catch (error) {
    if (options.webhookId && /UNIQUE constraint failed: webhook_deliveries/.test(String((error as Error)?.cause ?? error))) {
      throw unauthenticated(`The webhook-id ${options.webhookId} was already used: this delivery is a replay.`);
    }
    throw error;
  }
  if (updated.length === 0) {
    // Someone else's copy of this result, a timeout or a cancel got there first.
    const now = await findWorkerCheck(deps, workerCheckUuid);
    throw conflict(
      now.healthCheck.status !== 'running'
        ? `The health check is already ${now.healthCheck.status}; the result of ${check.workerName} came too late.`
        : `The result of ${check.workerName} is already recorded (${now.status}).`,
    );
  }

  await deps.publish({ type: 'WORKER_RESULT', healthCheckUuid: check.healthCheckUuid, workerCheckUuid, sequence: updated[0]!.resultSequence! });
  deps.waitUntil(options.notifyRun(check.healthCheckUuid));
  return {
    success: true,
    message: `Recorded the result of ${check.workerName}: score ${healthScore} (${healthStatusFor(healthScore)}).`,
    healthCheckUuid: check.healthCheckUuid,
    healthScore,
  };
}

function suiteCounts(tests: AcceptedTestResult[]) {
  const passed = tests.filter((test) => test.status === 'passed').length;
  const failed = tests.filter((test) => test.status === 'failed').length;
  return { total: tests.length, passed, failed };
}
