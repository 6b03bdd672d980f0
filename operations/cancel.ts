import { and, eq, inArray } from 'drizzle-orm';
import { healthChecks } from '../db/health-checks';
import { OPEN_WORKER_CHECK_STATUSES, workerHealthChecks } from '../db/worker-health-checks';
import type { OperationDeps } from './deps';
import { conflict, notFound } from './errors';
import { completedSequence, NUMBERED, numberOpenChecks, workerResultEvents } from './events';
import { recountRun } from './run-counters';
import { CANCELLED_MESSAGE, NOT_DISPATCHED_MESSAGE } from '../domain/failure-messages';

/**
 * Cancels a running health check: the run becomes `cancelled` and its outstanding workers
 * `failed` ("cancelled"), so they are no longer waited for and a late result is CONFLICT.
 */
export async function cancelHealthCheck(deps: OperationDeps, healthCheckUuid: string) {
  // Through the run's object, which decides every final state of its run: the results it took
  // before the cancel are written first, and none is taken after. A run without an object (one
  // that could not start) is ended in D1 directly.
  const outcome = await deps.runs.cancelRun(healthCheckUuid);
  const cancelled = outcome === 'no-run' ? await endRun(deps, healthCheckUuid, 'cancelled', CANCELLED_MESSAGE) : outcome === 'cancelled';
  if (!cancelled) {
    const run = await deps.db.query.healthChecks.findFirst({ columns: { status: true }, where: { healthCheckUuid } });
    if (!run) throw notFound(`No health check ${healthCheckUuid}.`);
    throw conflict(`The health check is already ${run.status}; only a running one can be cancelled.`);
  }
}

/** Ends a run whose Durable Object could not be started: its workers were never dispatched. */
export async function failRunThatCouldNotStart(deps: OperationDeps, healthCheckUuid: string) {
  await endRun(deps, healthCheckUuid, 'failed', NOT_DISPATCHED_MESSAGE);
}

/**
 * Moves a running run to a final status and its outstanding workers to `failed` with `reason`,
 * then publishes a WORKER_RESULT for each and COMPLETED. False when the run was not running.
 */
export async function endRun(deps: Pick<OperationDeps, 'db' | 'publish'>, healthCheckUuid: string, status: 'cancelled' | 'failed', reason: string): Promise<boolean> {
  const [ended, failedWorkers] = await deps.db.batch([
    deps.db
      .update(healthChecks)
      .set({ status, completedAt: new Date() })
      .where(and(eq(healthChecks.healthCheckUuid, healthCheckUuid), eq(healthChecks.status, 'running')))
      .returning({ id: healthChecks.id, totalWorkers: healthChecks.totalWorkers }),
    // Every open worker at once, each with its WORKER_RESULT's number (operations/events.ts).
    deps.db
      .update(workerHealthChecks)
      .set({ status: 'failed', healthScore: 0, overallStatus: 'critical', errorMessage: reason, completedAt: new Date(), resultSequence: NUMBERED.sequence })
      .from(numberOpenChecks(healthCheckUuid))
      .where(and(eq(workerHealthChecks.id, NUMBERED.id), inArray(workerHealthChecks.status, OPEN_WORKER_CHECK_STATUSES)))
      .returning({ workerCheckUuid: workerHealthChecks.workerCheckUuid, resultSequence: workerHealthChecks.resultSequence }),
    recountRun(deps.db, healthCheckUuid),
  ]);
  if (ended.length === 0) return false;
  await deps.publish(...workerResultEvents(healthCheckUuid, failedWorkers), {
    type: 'COMPLETED',
    healthCheckUuid,
    sequence: completedSequence(ended[0]!.totalWorkers ?? 0),
  });
  return true;
}
