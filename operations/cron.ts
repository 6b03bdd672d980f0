import { and, eq, lt, sql } from 'drizzle-orm';
import { toSqliteTimestamp } from '../db/columns';
import { healthChecks } from '../db/health-checks';
import { webhookDeliveries } from '../db/webhook-deliveries';
import { CATCH_UP_GRACE_MINUTES, MAX_COUNTED_MISSES } from '../domain/schedule-math';
import type { OperationDeps } from './deps';
import { finaliseRunIfComplete, timeOutOutstandingWorkers } from './finalise';
import { DEFAULT_TIMEOUT_MINUTES, initiateHealthCheck } from './initiate';
import { OperationError } from './errors';
import {
  claimSlot,
  newestRunId,
  planSchedules,
  recoverAbandonedClaims,
  releaseSlot,
  scheduledRunWrittenAfter,
  settleSlot,
  type PlannedSlot,
  type ScheduleToRun,
} from './schedules';

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

/**
 * Starts the run of every enabled schedule due in this tick's minute, and the one catch-up run of a
 * schedule whose last due time the ticks missed (within the grace window). Each slot is claimed in
 * D1 under the unique key (schedule, due time) before anything else is written: a trigger delivered
 * twice, or ticks running at the same moment, start one run per due time.
 */
async function startDueSchedules(deps: OperationDeps, tick: Date) {
  const started: string[] = [];
  // Claims age by the clock, not by the tick's scheduled time (a catch-up claim is for an old due time).
  await recoverAbandonedClaims(deps.db);
  for (const { schedule, plan } of await planSchedules(deps.db, tick)) {
    try {
      const uuid = await actOnSlot(deps, schedule, plan);
      if (uuid) started.push(uuid);
    } catch (error) {
      // One schedule failing (D1 unavailable a moment, say) does not keep the others from starting.
      console.error(JSON.stringify({ event: 'schedule.failed', schedule: schedule.name, error: String(error) }));
    }
  }
  return started;
}

/** Claims one planned slot and, if this tick won it, starts its run. Returns the run's uuid, if one started. */
async function actOnSlot(deps: OperationDeps, schedule: ScheduleToRun, plan: PlannedSlot): Promise<string | null> {
  const dueAt = plan.dueAt.toISOString();
  // Misses are counted up to a bound (a minutely schedule down for days would take long to count).
  const missed = plan.missed >= MAX_COUNTED_MISSES ? `at least ${MAX_COUNTED_MISSES}` : String(plan.missed);
  if (plan.action === 'missed') {
    // Too late to be worth running: say so once (the claim makes it once), and wait for the next due time.
    const claimed = await claimSlot(deps.db, schedule, {
      dueAt: plan.dueAt,
      status: 'missed',
      catchUp: false,
      error: `Missed ${missed} due time${plan.missed === 1 ? '' : 's'}, the last at ${dueAt}, more than ${CATCH_UP_GRACE_MINUTES} minutes before the next tick.`,
    });
    if (claimed !== null) {
      console.warn(JSON.stringify({ event: 'schedule.missed', schedule: schedule.name, lastDueAt: dueAt, missed, graceMinutes: CATCH_UP_GRACE_MINUTES }));
    }
    return null;
  }
  const claim = await claimSlot(deps.db, schedule, { dueAt: plan.dueAt, status: 'starting', catchUp: plan.catchUp });
  if (claim === null) return null; // another tick has this due time
  const before = await newestRunId(deps.db);
  let run;
  try {
    run = await initiateHealthCheck(deps, {
      triggerType: 'cron',
      triggerSource: `schedule:${schedule.name}`,
      timeoutMinutes: schedule.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES,
      includeUnitTests: schedule.includeUnitTests ?? true,
      includePerformanceTests: schedule.includePerformanceTests ?? true,
      includeIntegrationTests: schedule.includeIntegrationTests ?? true,
      workerFilters: schedule.filters.length ? schedule.filters : null,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof OperationError) {
      // Refused (its filters match no enabled worker, workers removed or disabled since): recorded
      // and not retried, since every tick of the grace window would be refused alike.
      await settleSlot(deps.db, claim, { error: message });
      console.error(JSON.stringify({ event: 'schedule.not_started', schedule: schedule.name, dueAt, error: String(error) }));
      return null;
    }
    // Anything else. If the run was written before it failed (its Durable Object would not start),
    // that failed run is this due time's one run; if nothing was written (a configuration error),
    // the slot is given back, so a later tick within the grace window can start it.
    const written = await scheduledRunWrittenAfter(deps.db, schedule.name, before);
    if (written) await settleSlot(deps.db, claim, { healthCheckUuid: written });
    else await releaseSlot(deps.db, claim);
    console.error(JSON.stringify({ event: 'schedule.start_failed', schedule: schedule.name, dueAt, retried: !written, error: String(error) }));
    return null;
  }
  await settleSlot(deps.db, claim, { healthCheckUuid: run.healthCheckUuid });
  if (plan.catchUp || plan.missed > 0) {
    console.log(JSON.stringify({
      event: plan.catchUp ? 'schedule.caught_up' : 'schedule.started_after_misses',
      schedule: schedule.name,
      dueAt,
      missed,
      healthCheckUuid: run.healthCheckUuid,
    }));
  }
  return run.healthCheckUuid;
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
