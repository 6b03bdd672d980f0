import { and, eq } from 'drizzle-orm';
import { workerHealthChecks } from '../db/worker-health-checks';
import type { OperationDeps } from './deps';
import { recountRun } from './run-counters';

/** A worker accepted its dispatch: pending -> running. */
export async function markWorkerRunning(deps: Pick<OperationDeps, 'db'>, workerCheckUuid: string) {
  await deps.db
    .update(workerHealthChecks)
    .set({ status: 'running', startedAt: new Date() })
    .where(and(eq(workerHealthChecks.workerCheckUuid, workerCheckUuid), eq(workerHealthChecks.status, 'pending')));
}

/** A worker could not be reached or refused: it fails at once, with the reason, and says so. */
export async function markWorkerFailed(
  deps: Pick<OperationDeps, 'db' | 'publish'>,
  healthCheckUuid: string,
  workerCheckUuid: string,
  error: string,
) {
  const [failed] = await deps.db.batch([
    deps.db
      .update(workerHealthChecks)
      .set({ status: 'failed', healthScore: 0, overallStatus: 'critical', errorMessage: error, completedAt: new Date() })
      .where(and(eq(workerHealthChecks.workerCheckUuid, workerCheckUuid), eq(workerHealthChecks.status, 'pending')))
      .returning({ id: workerHealthChecks.id }),
    recountRun(deps.db, healthCheckUuid),
  ]);
  if (failed.length) await deps.publish({ type: 'WORKER_RESULT', healthCheckUuid, workerCheckUuid });
}
