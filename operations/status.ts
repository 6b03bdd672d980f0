import { and, eq, type SQL } from 'drizzle-orm';
import { healthChecks, type RunStatus, type TriggerType } from '../db/health-checks';
import type { Db } from '../db/client';
import { workerHealthChecks } from '../db/worker-health-checks';
import { badInput, notFound } from './errors';

/**
 * One run with its worker checks in the order they were written, as rows; NOT_FOUND when there is
 * none. Callers shape the answer (entrypoints/rpc-answers.ts for RPC's snake_case).
 */
export async function getHealthCheckStatus(db: Db, healthCheckUuid: string) {
  const run = await db.query.healthChecks.findFirst({ where: { healthCheckUuid } });
  if (!run) throw notFound(`No health check ${healthCheckUuid}.`);
  return { ...run, workerResults: await workerRowsOfRun(db, healthCheckUuid) };
}

/**
 * A run's worker rows in the order they were written, read as plain rows: a relational read
 * (`with: { workerResults }`) would aggregate them into one JSON value per run, which a
 * 10,000-worker run's rows overflow (SQLITE_NOMEM at ~22 MB).
 */
export function workerRowsOfRun(db: Db, healthCheckUuid: string) {
  return db.select().from(workerHealthChecks).where(eq(workerHealthChecks.healthCheckUuid, healthCheckUuid)).orderBy(workerHealthChecks.id);
}

export type RunWithWorkerChecks = Awaited<ReturnType<typeof getHealthCheckStatus>>;

/** The history's filters as SQL, for counting: by trigger type and by status, either or both. */
export function historyFilter(args: { triggerType?: TriggerType | null; status?: RunStatus | null }): SQL | undefined {
  return and(
    args.triggerType ? eq(healthChecks.triggerType, args.triggerType) : undefined,
    args.status ? eq(healthChecks.status, args.status) : undefined,
  );
}

export const MAX_HISTORY_LIMIT = 100;

/** One page of runs, newest first, optionally of one trigger type, with the total it pages through. */
export async function getHealthCheckHistory(db: Db, page: number, limit: number, triggerType?: TriggerType | null) {
  if (!Number.isInteger(page) || page < 1) throw badInput('page must be a whole number from 1.');
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
    throw badInput(`limit must be a whole number from 1 to ${MAX_HISTORY_LIMIT}.`);
  }
  if (triggerType != null && triggerType !== 'on_demand' && triggerType !== 'cron') {
    throw badInput('triggerType must be "on_demand" or "cron".');
  }
  const [rows, total] = await Promise.all([
    db.query.healthChecks.findMany({
      where: triggerType ? { triggerType } : {},
      orderBy: { id: 'desc' },
      limit,
      offset: (page - 1) * limit,
    }),
    db.$count(healthChecks, historyFilter({ triggerType })),
  ]);
  return { runs: rows, totalCount: total, page, limit };
}
