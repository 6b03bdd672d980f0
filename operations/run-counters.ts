import { sql } from 'drizzle-orm';
import { healthChecks } from '../db/health-checks';
import type { Db } from '../db/client';
import { PASSING_SCORE } from '../domain/scoring';

/**
 * Recomputes a run's counters from its worker rows in one statement. Used where a run is ended in
 * D1 as a whole (a cancel): while it runs, its ledger keeps them exact by adding
 * (durable/run-ledger.ts), so no result pays for a scan of its run's rows. The rule is
 * countsForRun's (domain/scoring.ts), in SQL; a test holds the two to the same answers.
 */
export function recountRun(db: Db, healthCheckUuid: string) {
  const workerRows = sql`FROM worker_health_checks w WHERE w.health_check_uuid = ${healthCheckUuid}`;
  return db
    .update(healthChecks)
    .set({
      completedWorkers: sql`(SELECT count(*) ${workerRows} AND w.status IN ('completed', 'failed', 'timeout'))`,
      passedWorkers: sql`(SELECT count(*) ${workerRows} AND w.status = 'completed' AND w.health_score >= ${PASSING_SCORE})`,
      failedWorkers: sql`(SELECT count(*) ${workerRows} AND (w.status IN ('failed', 'timeout') OR (w.status = 'completed' AND w.health_score < ${PASSING_SCORE})))`,
    })
    .where(sql`${healthChecks.healthCheckUuid} = ${healthCheckUuid}`);
}
