import { and, eq, inArray, sql } from 'drizzle-orm';
import { healthChecks, type RunStatus } from '../db/health-checks';
import { isOpenWorkerCheck, OPEN_WORKER_CHECK_SQL, OPEN_WORKER_CHECK_STATUSES, workerHealthChecks, type WorkerHealthCheckRow } from '../db/worker-health-checks';
import { analyseFinishedRun } from './analyse-run';
import { queueAlertEvaluation } from './alerts/consume';
import type { OperationDeps } from './deps';
import { countsForRun, scoreRun } from '../domain/scoring';
import { completedSequence, NUMBERED, numberOpenChecks, workerResultEvents } from './events';
import { deadlineMessage } from '../domain/failure-messages';
import { FLUSH_BYTES } from './flush-results';
import { workerRowsOfRun } from './status';

/**
 * Marks a run's outstanding workers `timeout` when its deadline has passed, and says so for each:
 * one statement, numbering their WORKER_RESULTs in the same write (operations/events.ts).
 */
export async function timeOutOutstandingWorkers(deps: Pick<OperationDeps, 'db' | 'publish'>, healthCheckUuid: string, timeoutMinutes?: number) {
  const timedOut = await deps.db
    .update(workerHealthChecks)
    .set({
      status: 'timeout',
      healthScore: 0,
      overallStatus: 'critical',
      errorMessage: deadlineMessage(timeoutMinutes),
      completedAt: new Date(),
      resultSequence: NUMBERED.sequence,
    })
    .from(numberOpenChecks(healthCheckUuid))
    .where(and(eq(workerHealthChecks.id, NUMBERED.id), inArray(workerHealthChecks.status, OPEN_WORKER_CHECK_STATUSES)))
    .returning({ workerCheckUuid: workerHealthChecks.workerCheckUuid, resultSequence: workerHealthChecks.resultSequence });
  await deps.publish(...workerResultEvents(healthCheckUuid, timedOut));
  return timedOut;
}

/**
 * Each worker's analysis, written a few hundred rows per statement (`UPDATE … FROM json_each(?)`)
 * rather than one statement per worker: a 10,000-worker run is finalised in a few dozen statements.
 * Only where none is written yet, so a finalisation that lost the race writes nothing.
 */
function workerAnalysisUpdates(db: OperationDeps['db'], rows: { id: number; aiWorkerAnalysis: string; aiWorkerRecommendations: string; recommendationDetails: string; analysisSource: string }[]) {
  const chunks: (typeof rows)[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = row.aiWorkerAnalysis.length + row.aiWorkerRecommendations.length + row.recommendationDetails.length + row.analysisSource.length;
    if (chunks.length === 0 || bytes + size > FLUSH_BYTES) {
      chunks.push([]);
      bytes = 0;
    }
    chunks.at(-1)!.push(row);
    bytes += size;
  }
  return chunks.map((chunk) =>
    db.run(sql`UPDATE worker_health_checks SET ai_worker_analysis = j.value ->> '$.aiWorkerAnalysis',
        ai_worker_recommendations = j.value ->> '$.aiWorkerRecommendations', recommendation_details = j.value ->> '$.recommendationDetails',
        analysis_source = j.value ->> '$.analysisSource'
      FROM json_each(${JSON.stringify(chunk)}) AS j
      WHERE worker_health_checks.id = j.value ->> '$.id' AND worker_health_checks.ai_worker_analysis IS NULL`),
  );
}

/** The run's final status from its workers' final states. */
export function finalRunStatus(workers: Pick<WorkerHealthCheckRow, 'status'>[]): RunStatus {
  if (workers.some((worker) => worker.status === 'timeout')) return 'timeout';
  if (workers.length > 0 && workers.every((worker) => worker.status === 'failed')) return 'failed';
  return 'completed';
}

/**
 * Finalises a run once every worker is final: score, status, counters, the per-worker and
 * system-wide analysis, `completed_at`, then the COMPLETED event. The write is conditional on the
 * run still running, so however often and from wherever this is called (results, alarm, retries)
 * exactly one call finalises and publishes. Returns whether this call did.
 */
export async function finaliseRunIfComplete(deps: OperationDeps, healthCheckUuid: string): Promise<boolean> {
  // Asked after every result: answer "not yet" from one small read, not from every row's JSON.
  const gate = await deps.db.get<{ status: string | null; outstanding: number }>(sql`
    SELECT (SELECT status FROM health_checks WHERE health_check_uuid = ${healthCheckUuid}) AS status,
           EXISTS (SELECT 1 FROM worker_health_checks
                   WHERE health_check_uuid = ${healthCheckUuid} AND status IN ${OPEN_WORKER_CHECK_SQL}) AS outstanding`);
  if (!gate || gate.status !== 'running' || gate.outstanding) return false;
  const run = await deps.db.query.healthChecks.findFirst({ where: { healthCheckUuid } });
  if (!run || run.status !== 'running') return false;
  const workers = await workerRowsOfRun(deps.db, healthCheckUuid);
  if (workers.some((worker) => isOpenWorkerCheck(worker.status))) return false;

  const status = finalRunStatus(workers);
  const score = scoreRun(workers.map((worker) => (worker.status === 'completed' ? (worker.healthScore ?? 0) : 0)));
  const counts = countsForRun(workers);
  // Bounded: the rules take milliseconds, Workers AI (when bound) at most its time limit for the
  // lot (operations/analyse-run.ts), so COMPLETED below waits at most that long for the analysis.
  const analysis = await analyseFinishedRun(deps, { id: run.id, healthCheckUuid, status, score, counts, workers });

  const [finalised] = await deps.db.batch([
    deps.db
      .update(healthChecks)
      .set({
        status,
        overallHealthScore: score,
        totalWorkers: workers.length,
        ...counts,
        ...analysis.run,
        completedAt: new Date(),
      })
      .where(and(eq(healthChecks.healthCheckUuid, healthCheckUuid), eq(healthChecks.status, 'running')))
      .returning({ id: healthChecks.id }),
    ...workerAnalysisUpdates(deps.db, workers.map((worker, index) => ({ id: worker.id, ...analysis.workers[index]! }))),
  ]);
  if (finalised.length === 0) return false;
  await deps.publish({ type: 'COMPLETED', healthCheckUuid, sequence: completedSequence(workers.length) });
  await queueAlertEvaluation(deps, healthCheckUuid); // alerting runs in the queue's consumer, never here
  return true;
}
