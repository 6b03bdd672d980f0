import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { toSqliteTimestamp } from '../db/columns';
import { healthChecks } from '../db/health-checks';
import { webhookDeliveries } from '../db/webhook-deliveries';
import type { OperationDeps } from './deps';
import { finaliseRunIfComplete, timeOutOutstandingWorkers } from './finalise';
import { DEFAULT_TIMEOUT_MINUTES, initiateHealthCheck } from './initiate';
import { dueSchedules } from './schedules';

/** A run still RUNNING this long after its deadline has lost its Durable Object's alarm. */
const ORPHAN_GRACE_MS = 5 * 60_000;
/** webhook-ids older than this can no longer be replayed (signatures expire after 5 minutes). */
const WEBHOOK_ID_RETENTION_MS = 60 * 60_000;

/**
 * One cron tick (wrangler.toml [triggers], every minute): starts the runs of the schedules due
 * in this minute, ends runs stranded past their deadline, and prunes expired webhook-ids. Each
 * part is independent: one failing does not stop the others.
 */
export async function runCronTick(deps: OperationDeps, tick: Date) {
  const results = await Promise.allSettled([startDueSchedules(deps, tick), endOrphanedRuns(deps, tick), pruneWebhookIds(deps, tick)]);
  for (const result of results) {
    if (result.status === 'rejected') console.error(JSON.stringify({ event: 'cron.failed', error: String(result.reason) }));
  }
  return results;
}

async function startDueSchedules(deps: OperationDeps, tick: Date) {
  const minuteStart = new Date(Math.floor(tick.getTime() / 60_000) * 60_000);
  const started: string[] = [];
  for (const schedule of await dueSchedules(deps.db, tick)) {
    const triggerSource = `schedule:${schedule.name}`;
    // A trigger delivered twice for the same minute starts the schedule's run once.
    const already = await deps.db.$count(
      healthChecks,
      and(eq(healthChecks.triggerSource, triggerSource), gte(healthChecks.startedAt, minuteStart)),
    );
    if (already > 0) continue;
    try {
      const run = await initiateHealthCheck(deps, {
        triggerType: 'cron',
        triggerSource,
        timeoutMinutes: schedule.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES,
        includeUnitTests: schedule.includeUnitTests ?? true,
        includePerformanceTests: schedule.includePerformanceTests ?? true,
        includeIntegrationTests: schedule.includeIntegrationTests ?? true,
        workerFilters: schedule.filters.length ? schedule.filters : null,
      });
      started.push(run.healthCheckUuid);
    } catch (error) {
      // A schedule whose filters match nothing (workers removed since) is reported, not fatal.
      console.error(JSON.stringify({ event: 'schedule.not_started', schedule: schedule.name, error: String(error) }));
    }
  }
  return started;
}

/** Runs whose object never started or lost its alarm: time their workers out and finalise them. */
async function endOrphanedRuns(deps: OperationDeps, tick: Date) {
  const stale = await deps.db
    .select({ healthCheckUuid: healthChecks.healthCheckUuid })
    .from(healthChecks)
    .where(and(eq(healthChecks.status, 'running'), lt(healthChecks.timeoutAt, new Date(tick.getTime() - ORPHAN_GRACE_MS))));
  for (const { healthCheckUuid } of stale) {
    await timeOutOutstandingWorkers(deps, healthCheckUuid);
    await finaliseRunIfComplete(deps, healthCheckUuid);
  }
  return stale.length;
}

async function pruneWebhookIds(deps: OperationDeps, tick: Date) {
  const cutoff = toSqliteTimestamp(new Date(tick.getTime() - WEBHOOK_ID_RETENTION_MS));
  await deps.db.delete(webhookDeliveries).where(sql`${webhookDeliveries.receivedAt} < ${cutoff}`);
}
