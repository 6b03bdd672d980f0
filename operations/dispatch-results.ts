import { and, eq, inArray, sql } from 'drizzle-orm';
import { workerHealthChecks } from '../db/worker-health-checks';
import type { OperationDeps } from './deps';
import { nextResultSequence, workerResultEvents, type HealthCheckEvent } from './events';
import { recountRun } from './run-counters';

/** A worker accepted its dispatch: pending -> running. */
export async function markWorkerRunning(deps: Pick<OperationDeps, 'db'>, workerCheckUuid: string) {
  await deps.db
    .update(workerHealthChecks)
    .set({ status: 'running', startedAt: new Date() })
    .where(and(eq(workerHealthChecks.workerCheckUuid, workerCheckUuid), eq(workerHealthChecks.status, 'pending')));
}

/**
 * A worker could not be reached or refused: it fails at once, with the reason, and its
 * WORKER_RESULT takes the run's next number in the same write. Returns whether it did (false if
 * it had already moved on), so the caller publishes its WORKER_RESULT (failedDispatchEvents).
 */
export async function markWorkerFailed(
  deps: Pick<OperationDeps, 'db'>,
  healthCheckUuid: string,
  workerCheckUuid: string,
  error: string,
): Promise<boolean> {
  const [failed] = await deps.db.batch([
    deps.db
      .update(workerHealthChecks)
      .set({
        status: 'failed',
        healthScore: 0,
        overallStatus: 'critical',
        errorMessage: error,
        completedAt: new Date(),
        resultSequence: nextResultSequence(healthCheckUuid),
      })
      .where(and(eq(workerHealthChecks.workerCheckUuid, workerCheckUuid), eq(workerHealthChecks.status, 'pending')))
      .returning({ id: workerHealthChecks.id }),
    recountRun(deps.db, healthCheckUuid),
  ]);
  return failed.length > 0;
}

/** Of a batch of targets, those still pending in a run still running: the ones to dispatch. */
export async function stillToDispatch(deps: Pick<OperationDeps, 'db'>, healthCheckUuid: string, workerCheckUuids: string[]) {
  if (workerCheckUuids.length === 0) return new Set<string>();
  const rows = await deps.db
    .select({ workerCheckUuid: workerHealthChecks.workerCheckUuid })
    .from(workerHealthChecks)
    .where(
      and(
        eq(workerHealthChecks.healthCheckUuid, healthCheckUuid),
        eq(workerHealthChecks.status, 'pending'),
        inArray(workerHealthChecks.workerCheckUuid, workerCheckUuids),
        sql`EXISTS (SELECT 1 FROM health_checks h WHERE h.health_check_uuid = ${healthCheckUuid} AND h.status = 'running')`,
      ),
    );
  return new Set(rows.map((row) => row.workerCheckUuid));
}

/**
 * The WORKER_RESULT events of the workers a dispatch batch failed (the uuids markWorkerFailed said
 * yes to; nulls are skipped), with the numbers their failing writes took, in their order: one
 * read, and none when nothing failed.
 */
export async function failedDispatchEvents(
  deps: Pick<OperationDeps, 'db'>,
  healthCheckUuid: string,
  workerCheckUuids: readonly (string | null)[],
): Promise<HealthCheckEvent[]> {
  const failed = workerCheckUuids.filter((uuid): uuid is string => uuid !== null);
  if (failed.length === 0) return [];
  const rows = await deps.db
    .select({ workerCheckUuid: workerHealthChecks.workerCheckUuid, resultSequence: workerHealthChecks.resultSequence })
    .from(workerHealthChecks)
    .where(and(eq(workerHealthChecks.healthCheckUuid, healthCheckUuid), inArray(workerHealthChecks.workerCheckUuid, failed)));
  return workerResultEvents(healthCheckUuid, rows);
}
