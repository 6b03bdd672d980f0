import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { fromSqliteTimestamp, toSqliteTimestamp } from '../db/columns';
import type { RunStatus } from '../db/health-checks';
import type { HealthStatus, WorkerCheckStatus } from '../db/worker-health-checks';
import { HEALTH_STATUS_THRESHOLDS, healthStatusFor } from '../domain/health-status';
import { predictBandCrossing, trendOf, uptimeOf, UPTIME_WINDOWS, type BandPrediction, type Trend, type Uptime, type UptimeWindowName } from '../domain/trends';
import { COUNTS_AGAINST_WORKER_SQL } from './baselines';
import { badInput, notFound } from './errors';

/**
 * Score history, trend, uptime and prediction (domain/trends.ts says how each is computed), for
 * one worker over its checks and for the fleet over its runs of one set of workers.
 *
 * - A point is a final check (COMPLETED, FAILED or TIMEOUT; checks a cancel or a run that never
 *   started ended are left out: they say nothing about the worker), at the time it was requested,
 *   with its score (0 for FAILED and TIMEOUT) and band. Oldest first.
 * - `lastChecks` / `lastRuns` (default 20, at most MAX_POINTS) takes the newest ones, `since`
 *   only those from then on; both together, the newest of the window.
 * - The fleet's points are the final runs that checked exactly the workers of the newest final
 *   run (health_checks.worker_set_key), so a run filtered to a few workers never sits in a
 *   series of full-fleet runs.
 * - Uptime is over the last 24 hours, 7 days and 30 days up to now: for a worker over its
 *   checks, for the fleet over every worker check of the window.
 */

export const DEFAULT_POINTS = 20;
export const MAX_POINTS = 500;
const FINAL_SQL = sql.raw(`('completed', 'failed', 'timeout')`);
const HEALTHY_MIN = HEALTH_STATUS_THRESHOLDS[0].min;

export interface HistoryArgs {
  last?: number | null;
  since?: Date | null;
}

function validate(args: HistoryArgs, name: string): { last: number; since: Date | null } {
  const last = args.last ?? DEFAULT_POINTS;
  if (!Number.isInteger(last) || last < 1 || last > MAX_POINTS) throw badInput(`"${name}" must be between 1 and ${MAX_POINTS}; got ${last}.`);
  if (args.since && Number.isNaN(args.since.getTime())) throw badInput('"since" is not a valid time.');
  return { last, since: args.since ?? null };
}

export interface UptimeWindow extends Uptime {
  window: UptimeWindowName;
  since: Date;
}

export interface TrendAnalysis {
  trend: Trend;
  prediction: BandPrediction | null;
  /** Why there is no prediction; null when there is one. */
  predictionNote: string | null;
  uptime: UptimeWindow[];
}

export interface WorkerScorePoint {
  at: Date;
  score: number;
  healthStatus: HealthStatus;
  status: WorkerCheckStatus;
  workerCheckUuid: string;
  healthCheckUuid: string;
}

export interface WorkerTrendResult extends TrendAnalysis {
  workerName: string;
  history: WorkerScorePoint[];
}

export interface FleetScorePoint {
  at: Date;
  score: number;
  healthStatus: HealthStatus;
  status: RunStatus;
  healthCheckUuid: string;
  totalWorkers: number;
}

export interface FleetTrendResult extends TrendAnalysis {
  /** The workers the compared runs checked (those of the newest final run), by name. */
  workerNames: string[];
  history: FleetScorePoint[];
}

interface UptimeRow {
  [key: string]: number | null;
}

/** Checks, up and healthy checks per window, over worker checks matching `where`, in one statement. */
async function uptimeWindows(db: Db, where: SQL, now: Date): Promise<UptimeWindow[]> {
  const starts = UPTIME_WINDOWS.map((window) => ({ ...window, since: new Date(now.getTime() - window.ms) }));
  const columns = starts.map(({ since }, i) => {
    const from = toSqliteTimestamp(since);
    return sql`sum(requested_at >= ${from}) AS checks_${sql.raw(String(i))},
      sum(requested_at >= ${from} AND status = 'completed') AS up_${sql.raw(String(i))},
      sum(requested_at >= ${from} AND status = 'completed' AND health_score >= ${HEALTHY_MIN}) AS healthy_${sql.raw(String(i))}`;
  });
  const oldest = toSqliteTimestamp(starts[starts.length - 1]!.since);
  const row = await db.get<UptimeRow>(sql`
    SELECT ${sql.join(columns, sql`, `)} FROM worker_health_checks
    WHERE ${where} AND status IN ${FINAL_SQL} AND ${COUNTS_AGAINST_WORKER_SQL}
      AND requested_at >= ${oldest} AND requested_at <= ${toSqliteTimestamp(now)}`);
  return starts.map(({ name, since }, i) => ({
    window: name,
    since,
    ...uptimeOf({ checks: row?.[`checks_${i}`] ?? 0, up: row?.[`up_${i}`] ?? 0, healthy: row?.[`healthy_${i}`] ?? 0 }),
  }));
}

function analyse(points: { at: Date; score: number }[], uptime: UptimeWindow[]): TrendAnalysis {
  const predicted = predictBandCrossing(points);
  return { trend: trendOf(points), prediction: predicted.prediction, predictionNote: predicted.reason, uptime };
}

/** A worker's score history, trend, uptime and prediction. NOT_FOUND for a name neither registered nor ever checked. */
export async function workerTrend(db: Db, workerName: string, args: HistoryArgs = {}, now: Date = new Date()): Promise<WorkerTrendResult> {
  const { last, since } = validate(args, 'lastChecks');
  const rows = await db.all<{ worker_check_uuid: string; health_check_uuid: string; status: WorkerCheckStatus; health_score: number | null; requested_at: string }>(sql`
    SELECT worker_check_uuid, health_check_uuid, status, health_score, requested_at FROM worker_health_checks
    WHERE worker_name = ${workerName} AND status IN ${FINAL_SQL} AND ${COUNTS_AGAINST_WORKER_SQL}
      AND requested_at IS NOT NULL ${since ? sql`AND requested_at >= ${toSqliteTimestamp(since)}` : sql``}
    ORDER BY id DESC LIMIT ${last}`);
  if (rows.length === 0) {
    const known = await db.get<{ known: number }>(sql`
      SELECT EXISTS (SELECT 1 FROM workers WHERE name = ${workerName})
          OR EXISTS (SELECT 1 FROM worker_health_checks WHERE worker_name = ${workerName}) AS known`);
    if (!known?.known) throw notFound(`No worker ${JSON.stringify(workerName)} is registered or was ever checked.`);
  }
  const history = rows.reverse().map((row) => {
    const score = row.status === 'completed' ? (row.health_score ?? 0) : 0;
    return {
      at: fromSqliteTimestamp(row.requested_at),
      score,
      healthStatus: healthStatusFor(score),
      status: row.status,
      workerCheckUuid: row.worker_check_uuid,
      healthCheckUuid: row.health_check_uuid,
    };
  });
  const uptime = await uptimeWindows(db, sql`worker_name = ${workerName}`, now);
  return { workerName, history, ...analyse(history, uptime) };
}

/** The fleet's score history over its runs of the newest run's workers, its trend, uptime and prediction. */
export async function fleetTrend(db: Db, args: HistoryArgs = {}, now: Date = new Date()): Promise<FleetTrendResult> {
  const { last, since } = validate(args, 'lastRuns');
  const newest = await db.get<{ worker_set_key: string; health_check_uuid: string }>(sql`
    SELECT worker_set_key, health_check_uuid FROM health_checks
    WHERE status IN ${FINAL_SQL} AND worker_set_key IS NOT NULL ORDER BY id DESC LIMIT 1`);
  const [rows, names, uptime] = await Promise.all([
    newest
      ? db.all<{ health_check_uuid: string; status: RunStatus; overall_health_score: number | null; started_at: string; total_workers: number | null }>(sql`
          SELECT health_check_uuid, status, overall_health_score, started_at, total_workers FROM health_checks
          WHERE worker_set_key = ${newest.worker_set_key} AND status IN ${FINAL_SQL} AND started_at IS NOT NULL
            ${since ? sql`AND started_at >= ${toSqliteTimestamp(since)}` : sql``}
          ORDER BY id DESC LIMIT ${last}`)
      : Promise.resolve([]),
    newest
      ? db.all<{ worker_name: string }>(sql`
          SELECT DISTINCT worker_name FROM worker_health_checks WHERE health_check_uuid = ${newest.health_check_uuid} ORDER BY worker_name`)
      : Promise.resolve([]),
    uptimeWindows(db, sql`1 = 1`, now),
  ]);
  const history = rows.reverse().map((row) => {
    const score = row.overall_health_score ?? 0;
    return {
      at: fromSqliteTimestamp(row.started_at),
      score,
      healthStatus: healthStatusFor(score),
      status: row.status,
      healthCheckUuid: row.health_check_uuid,
      totalWorkers: row.total_workers ?? 0,
    };
  });
  return { workerNames: names.map((row) => row.worker_name), history, ...analyse(history, uptime) };
}
