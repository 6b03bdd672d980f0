import { and, eq, inArray } from 'drizzle-orm';
import { healthChecks } from '../db/health-checks';
import { workerHealthChecks } from '../db/worker-health-checks';
import type { OperationDeps } from './deps';
import { conflict, notFound } from './errors';
import { recountRun } from './run-counters';

/**
 * Cancels a running health check: the run becomes `cancelled` and its outstanding workers
 * `failed` ("cancelled"), so they are no longer waited for and a late result is CONFLICT.
 * `stopRun` tells the run's Durable Object to stop dispatching and drop its alarm.
 */
export async function cancelHealthCheck(deps: OperationDeps & { stopRun(healthCheckUuid: string): Promise<void> }, healthCheckUuid: string) {
  const [cancelled] = await deps.db.batch([
    deps.db
      .update(healthChecks)
      .set({ status: 'cancelled', completedAt: new Date() })
      .where(and(eq(healthChecks.healthCheckUuid, healthCheckUuid), eq(healthChecks.status, 'running')))
      .returning({ id: healthChecks.id }),
    deps.db
      .update(workerHealthChecks)
      .set({ status: 'failed', healthScore: 0, overallStatus: 'critical', errorMessage: 'Cancelled before the worker reported.', completedAt: new Date() })
      .where(
        and(
          eq(workerHealthChecks.healthCheckUuid, healthCheckUuid),
          inArray(workerHealthChecks.status, ['pending', 'running']),
          // Only when this batch's first statement cancelled the run.
          eq(
            deps.db.$count(healthChecks, and(eq(healthChecks.healthCheckUuid, healthCheckUuid), eq(healthChecks.status, 'cancelled'))),
            1,
          ),
        ),
      ),
    recountRun(deps.db, healthCheckUuid),
  ]);
  if (cancelled.length === 0) {
    const run = await deps.db.query.healthChecks.findFirst({ columns: { status: true }, where: { healthCheckUuid } });
    if (!run) throw notFound(`No health check ${healthCheckUuid}.`);
    throw conflict(`The health check is already ${run.status}; only a running one can be cancelled.`);
  }
  deps.waitUntil(deps.stopRun(healthCheckUuid));
  await deps.publish({ type: 'COMPLETED', healthCheckUuid });
}
