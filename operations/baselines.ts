import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { fromSqliteTimestamp } from '../db/columns';
import { baselineFrom, type WorkerBaseline } from '../domain/baselines';
import { NOT_THE_WORKERS_FAULT_MESSAGES } from '../domain/failure-messages';
import type { ScorePoint } from '../domain/trends';
import { parseTestResults } from './json-columns';

/** `NOT (status = 'failed' AND error_message IN (…cancelled, not dispatched…))`: checks that count against the worker. */
export const COUNTS_AGAINST_WORKER_SQL = sql`NOT (status = 'failed' AND coalesce(error_message, '') IN (${sql.join(
  NOT_THE_WORKERS_FAULT_MESSAGES.map((message) => sql`${message}`),
  sql`, `,
)}))`;

export interface WorkerHistory {
  /** The median of its last N completed checks; null without any. */
  baseline: WorkerBaseline | null;
  /** Its last final checks (cancelled ones left out), oldest first: the trend's points. */
  history: ScorePoint[];
}

export interface HistorySettings {
  /** N: how many earlier completed checks make a baseline. */
  baselineChecks: number;
  /** How many earlier final checks make the score history. */
  historyChecks: number;
}

interface HistoryRow {
  worker_name: string;
  status: string;
  health_score: number | null;
  response_time_ms: number | null;
  performance_test_results: string | null;
  requested_at: string | null;
  in_history: number;
  in_baseline: number;
}

/**
 * Each worker of a run: its baseline (the medians over its last N completed checks) and its score
 * history (its last final checks), both from runs started before this one, for every worker of
 * the run in one statement. A worker without earlier checks has no entry.
 */
export async function historiesForRun(db: Db, healthCheckUuid: string, settings: HistorySettings): Promise<Map<string, WorkerHistory>> {
  const rows = await db.all<HistoryRow>(sql`
    SELECT worker_name, status, health_score, response_time_ms, requested_at,
           CASE WHEN baseline_recency <= ${settings.baselineChecks} THEN performance_test_results END AS performance_test_results,
           recency <= ${settings.historyChecks} AS in_history,
           status = 'completed' AND baseline_recency <= ${settings.baselineChecks} AS in_baseline
    FROM (
      SELECT id, worker_name, status, health_score, response_time_ms, performance_test_results, requested_at,
             row_number() OVER (PARTITION BY worker_name ORDER BY id DESC) AS recency,
             row_number() OVER (PARTITION BY worker_name, status = 'completed' ORDER BY id DESC) AS baseline_recency
      FROM worker_health_checks
      -- Earlier runs only: rows written before this run's own.
      WHERE status IN ('completed', 'failed', 'timeout')
        AND ${COUNTS_AGAINST_WORKER_SQL}
        AND id < (SELECT min(id) FROM worker_health_checks WHERE health_check_uuid = ${healthCheckUuid})
        AND worker_name IN (SELECT worker_name FROM worker_health_checks WHERE health_check_uuid = ${healthCheckUuid})
    )
    WHERE recency <= ${settings.historyChecks} OR (status = 'completed' AND baseline_recency <= ${settings.baselineChecks})
    ORDER BY worker_name, id DESC`);
  const byWorker = new Map<string, HistoryRow[]>();
  for (const row of rows) {
    const list = byWorker.get(row.worker_name);
    if (list) list.push(row);
    else byWorker.set(row.worker_name, [row]);
  }
  const histories = new Map<string, WorkerHistory>();
  for (const [name, newestFirst] of byWorker) {
    const baseline = baselineFrom(
      newestFirst
        .filter((row) => row.in_baseline)
        .map((row) => ({ responseTimeMs: row.response_time_ms, performanceTests: parseTestResults(row.performance_test_results) })),
    );
    const history = newestFirst
      .filter((row) => row.in_history && row.requested_at)
      .map((row) => ({ at: fromSqliteTimestamp(row.requested_at!), score: row.status === 'completed' ? (row.health_score ?? 0) : 0 }))
      .reverse();
    histories.set(name, { baseline, history });
  }
  return histories;
}
