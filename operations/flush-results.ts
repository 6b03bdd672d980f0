import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { OPEN_WORKER_CHECK_SQL } from '../db/worker-health-checks';
import type { DriverRow } from './run-ledger-types';

/** One final worker row the run's ledger decided, on its way to D1. */
export interface OutboxRow {
  workerCheckUuid: string;
  /** Its WORKER_RESULT's place in the run's story (operations/events.ts), decided by the ledger. */
  sequence: number;
  webhookId: string | null;
  columns: DriverRow;
}

/** The run's counters as they stand once every row up to some sequence is in D1. */
export interface RunCounters {
  completedWorkers: number;
  passedWorkers: number;
  failedWorkers: number;
}

/**
 * Rows a ledger flushes in one D1 batch, at most: with suites a row is a few KB, and D1 takes a
 * statement of up to 100 KB of SQL but a bound value of up to 2 MB, so the rows go as one JSON
 * parameter. FLUSH_BYTES keeps that parameter well under the limit.
 */
export const FLUSH_ROWS = 250;
export const FLUSH_BYTES = 1_500_000;

/**
 * Writes ledger rows to D1 in one batch, whatever their number: per shape of row one
 * `UPDATE ... FROM json_each(?)`, the consumed webhook-ids in one INSERT, and the run's counters
 * set (not recounted) from the ledger's exact ones. Returns the checks D1 took.
 *
 * A row is taken while it is still open in a run still running, or when it already holds this very
 * write (its sequence, status and completion time): a flush repeated after a crash (the batch went
 * through, the ledger did not hear) writes the same values again and is taken again. A row D1 refuses was ended meanwhile by a writer outside
 * the ledger (a cancel that could not reach the run's object, the cron's sweep of a stranded run).
 */
export async function flushRows(db: Db, healthCheckUuid: string, rows: readonly OutboxRow[], counters: RunCounters): Promise<Set<string>> {
  const shapes = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    const shape = Object.keys(row.columns).sort().join(',');
    shapes.set(shape, [...(shapes.get(shape) ?? []), row]);
  }
  const updates = [...shapes.entries()].map(([shape, group]) => db.all<{ uuid: string }>(updateFromJson(healthCheckUuid, shape.split(','), group)));
  const deliveries = rows.filter((row) => row.webhookId !== null).map((row) => ({ id: row.webhookId, uuid: row.workerCheckUuid, seq: row.sequence }));
  const statements = [
    ...updates,
    ...(deliveries.length > 0
      ? [
          // Consumed only with a result D1 took: the row holds the delivery's sequence by now.
          db.run(sql`INSERT OR IGNORE INTO webhook_deliveries (webhook_id, worker_check_uuid)
            SELECT j.value ->> 'id', j.value ->> 'uuid' FROM json_each(${JSON.stringify(deliveries)}) AS j
            WHERE EXISTS (SELECT 1 FROM worker_health_checks w
                          WHERE w.worker_check_uuid = j.value ->> 'uuid' AND w.result_sequence = j.value ->> 'seq')`),
        ]
      : []),
    db.run(sql`UPDATE health_checks SET completed_workers = ${counters.completedWorkers}, passed_workers = ${counters.passedWorkers},
      failed_workers = ${counters.failedWorkers} WHERE health_check_uuid = ${healthCheckUuid} AND status = 'running'`),
  ];
  const results = (await db.batch(statements as [ (typeof statements)[number], ...(typeof statements)[number][] ])) as unknown[];
  const taken = new Set<string>();
  for (const result of results.slice(0, updates.length)) {
    for (const row of result as { uuid: string }[]) taken.add(row.uuid);
  }
  return taken;
}

// The column names come from the table's own definition (operations/result-row.ts), never from input.
function updateFromJson(healthCheckUuid: string, columns: string[], rows: OutboxRow[]): SQL {
  const payload = rows.map((row) => ({ ...row.columns, __uuid: row.workerCheckUuid, __seq: row.sequence }));
  const assignments = sql.join(
    [...columns.map((column) => sql.raw(`"${column}" = j.value ->> '$.${column}'`)), sql`result_sequence = j.value ->> '$.__seq'`],
    sql`, `,
  );
  return sql`UPDATE worker_health_checks AS w SET ${assignments}
    FROM json_each(${JSON.stringify(payload)}) AS j
    WHERE w.worker_check_uuid = j.value ->> '$.__uuid'
      AND ((w.status IN ${OPEN_WORKER_CHECK_SQL}
            AND EXISTS (SELECT 1 FROM health_checks h WHERE h.health_check_uuid = ${healthCheckUuid} AND h.status = 'running'))
           OR (w.result_sequence = j.value ->> '$.__seq' AND w.status = j.value ->> '$.status' AND w.completed_at IS j.value ->> '$.completed_at'))
    RETURNING worker_check_uuid AS uuid`;
}

/** Workers that accepted their dispatch: pending -> running, in one statement for a whole batch. */
export async function markRunning(db: Db, workerCheckUuids: readonly string[], startedAt: string): Promise<void> {
  if (workerCheckUuids.length === 0) return;
  await db.run(sql`UPDATE worker_health_checks SET status = 'running', started_at = ${startedAt}
    WHERE status = 'pending' AND worker_check_uuid IN (SELECT value FROM json_each(${JSON.stringify(workerCheckUuids)}))`);
}
