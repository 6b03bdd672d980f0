import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { WorkerBaseline } from '../domain/analysis/types';
import { parseTestResults } from './json-columns';

/** How many earlier completed checks of a worker make its baseline. */
const BASELINE_RUNS = 10;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface HistoryRow {
  worker_name: string;
  response_time_ms: number | null;
  performance_test_results: string | null;
}

/**
 * Each worker's typical response time and performance-test durations: the medians over its
 * last completed checks in runs started before this one, for every worker of a run in one statement. A worker
 * without history has no entry.
 */
export async function baselinesForRun(db: Db, healthCheckUuid: string): Promise<Map<string, WorkerBaseline>> {
  const rows = await db.all<HistoryRow>(sql`
    SELECT worker_name, response_time_ms, performance_test_results FROM (
      SELECT worker_name, response_time_ms, performance_test_results,
             row_number() OVER (PARTITION BY worker_name ORDER BY id DESC) AS recency
      FROM worker_health_checks
      -- Earlier runs only: rows written before this run's own.
      WHERE status = 'completed'
        AND id < (SELECT min(id) FROM worker_health_checks WHERE health_check_uuid = ${healthCheckUuid})
        AND worker_name IN (SELECT worker_name FROM worker_health_checks WHERE health_check_uuid = ${healthCheckUuid})
    ) WHERE recency <= ${BASELINE_RUNS}`);
  const byWorker = new Map<string, HistoryRow[]>();
  for (const row of rows) byWorker.set(row.worker_name, [...(byWorker.get(row.worker_name) ?? []), row]);
  const baselines = new Map<string, WorkerBaseline>();
  for (const [name, history] of byWorker) {
    const durations = new Map<string, number[]>();
    for (const row of history) {
      for (const test of parseTestResults(row.performance_test_results)) {
        if (test.status === 'skipped') continue;
        durations.set(test.name, [...(durations.get(test.name) ?? []), test.durationMs]);
      }
    }
    baselines.set(name, {
      responseTimeMs: median(history.flatMap((row) => (row.response_time_ms == null ? [] : [row.response_time_ms]))),
      testDurationsMs: Object.fromEntries([...durations].map(([test, values]) => [test, median(values)!])),
    });
  }
  return baselines;
}
