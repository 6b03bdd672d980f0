/**
 * Run lifecycle events for live subscriptions. Published after the data they describe is in
 * D1, so a subscriber that re-queries sees what the event said.
 *
 * Every event of a run has a number, its `sequence`, so the run's story has one order wherever a
 * subscriber joins it: STARTED is 1; each worker's WORKER_RESULT gets the run's next number when
 * the worker's row becomes final: from the run's ledger (durable/run-ledger.ts), which decides
 * every final state of an open run in one thread and writes it as `result_sequence`, or, for a run
 * ended in D1 without its object (a cancel of a run that never started, the cron's sweep of a
 * stranded run), in the very write that ends the rows (numberOpenChecks below). So 2, 3, ... are
 * handed out once each; COMPLETED comes after all of them, totalWorkers + 2. So the story is also readable from D1
 * at any moment (runStory): the EventHub replays it to a subscriber that joins late.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { OPEN_WORKER_CHECK_SQL } from '../db/worker-health-checks';

/** STARTED once, WORKER_RESULT once per worker as it reaches a final state, COMPLETED once. */
export const HEALTH_CHECK_EVENT_TYPES = ['STARTED', 'WORKER_RESULT', 'COMPLETED'] as const;
export type HealthCheckEventType = (typeof HEALTH_CHECK_EVENT_TYPES)[number];

export interface HealthCheckEvent {
  type: HealthCheckEventType;
  healthCheckUuid: string;
  workerCheckUuid?: string;
  /** The event's place in its run's story: 1 for STARTED, then 2, 3, ... (see above). */
  sequence: number;
}

export const STARTED_SEQUENCE = 1;

/** COMPLETED's number: after STARTED and one WORKER_RESULT per worker. */
export function completedSequence(totalWorkers: number): number {
  return totalWorkers + 2;
}

/** The alias of numberOpenChecks' rows, for the update's `set` and `where`. */
export const NUMBERED = { id: sql<number>`numbered.id`, sequence: sql<number>`numbered.sequence` };

/**
 * For a write that ends EVERY open worker check of a run at once (the deadline, a cancel): the
 * open checks numbered after the run's last number, in id order, as an UPDATE ... FROM source. The
 * window is computed before the update changes any row, so each row gets its own number.
 */
export function numberOpenChecks(healthCheckUuid: string): SQL {
  return sql`(SELECT o.id AS id,
      (SELECT COALESCE(MAX(n.result_sequence), ${STARTED_SEQUENCE}) FROM worker_health_checks n WHERE n.health_check_uuid = ${healthCheckUuid})
        + ROW_NUMBER() OVER (ORDER BY o.id) AS sequence
    FROM worker_health_checks o
    WHERE o.health_check_uuid = ${healthCheckUuid} AND o.status IN ${OPEN_WORKER_CHECK_SQL}) AS numbered`;
}

/** WORKER_RESULT events for rows a write just ended, in their order. */
export function workerResultEvents(healthCheckUuid: string, rows: { workerCheckUuid: string; resultSequence: number | null }[]): HealthCheckEvent[] {
  return rows
    .filter((row): row is { workerCheckUuid: string; resultSequence: number } => row.resultSequence !== null)
    .sort((a, b) => a.resultSequence - b.resultSequence)
    .map(({ workerCheckUuid, resultSequence }) => ({ type: 'WORKER_RESULT', healthCheckUuid, workerCheckUuid, sequence: resultSequence }));
}

/**
 * A run's story so far, as D1 has it, in order: STARTED, a WORKER_RESULT for every worker check
 * already final, and COMPLETED once the run is final. Empty for a run that does not exist. One
 * statement, so it is one consistent moment of the run.
 */
export async function runStory(db: Db, healthCheckUuid: string): Promise<HealthCheckEvent[]> {
  const rows = await db.all<{ runStatus: string | null; totalWorkers: number | null; workerCheckUuid: string | null; sequence: number | null }>(sql`
    SELECT h.status AS runStatus, h.total_workers AS totalWorkers, w.worker_check_uuid AS workerCheckUuid, w.result_sequence AS sequence
    FROM health_checks h
    LEFT JOIN worker_health_checks w ON w.health_check_uuid = h.health_check_uuid AND w.result_sequence IS NOT NULL
    WHERE h.health_check_uuid = ${healthCheckUuid}
    ORDER BY w.result_sequence`);
  const [run] = rows;
  if (!run) return [];
  const story: HealthCheckEvent[] = [{ type: 'STARTED', healthCheckUuid, sequence: STARTED_SEQUENCE }];
  for (const row of rows) {
    if (row.workerCheckUuid !== null && row.sequence !== null) {
      story.push({ type: 'WORKER_RESULT', healthCheckUuid, workerCheckUuid: row.workerCheckUuid, sequence: row.sequence });
    }
  }
  if (run.runStatus !== 'running') story.push({ type: 'COMPLETED', healthCheckUuid, sequence: completedSequence(run.totalWorkers ?? 0) });
  return story;
}

/**
 * Publishes events in the order given. Operations that end many workers at once publish them in
 * one call, which costs one hub request per shard however many events there are.
 */
export type Publish = (...events: HealthCheckEvent[]) => Promise<void>;
