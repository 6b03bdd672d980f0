import { and, asc, count, eq, gt, gte, lt, max, sql, type SQLWrapper } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { fromSqliteTimestamp } from '../db/columns';
import { healthCheckSchedules, type HealthCheckScheduleRow } from '../db/health-check-schedules';
import { healthChecks } from '../db/health-checks';
import { scheduleRuns } from '../db/schedule-runs';
import { canonicalTimeZone, cronExpressionProblem, nextDue, planTick, type TickPlan } from '../domain/schedule-math';
import { badInput, conflict, notFound, parseInput } from './errors';
import { DEFAULT_TIMEOUT_MINUTES, MAX_TIMEOUT_MINUTES } from './initiate';
import { parseStringList } from './json-columns';

export const DEFAULT_TIME_ZONE = 'UTC';

/**
 * When a schedule fires next, in its time zone (domain/schedule-math.ts: five or six fields,
 * daylight-saving rules). Null when disabled or no longer valid.
 */
export function nextRunAt(
  schedule: Pick<HealthCheckScheduleRow, 'cronExpression' | 'enabled'> & { timeZone?: string | null },
  from = new Date(),
): Date | null {
  if (schedule.enabled === false) return null;
  try {
    return nextDue(schedule.cronExpression, schedule.timeZone ?? DEFAULT_TIME_ZONE, from);
  } catch {
    return null; // an expression or zone that no longer parses (hand-edited rows)
  }
}

const scheduleFields = {
  cronExpression: z.string().trim(),
  timeZone: z.string().trim(),
  enabled: z.boolean(),
  timeoutMinutes: z
    .number()
    .int('timeoutMinutes must be a whole number')
    .min(1, 'timeoutMinutes must be at least 1')
    .max(MAX_TIMEOUT_MINUTES, `timeoutMinutes must be at most ${MAX_TIMEOUT_MINUTES}`),
  includeUnitTests: z.boolean(),
  includePerformanceTests: z.boolean(),
  includeIntegrationTests: z.boolean(),
  workerFilters: z.array(z.string().trim().min(1, 'a worker filter must not be empty').max(64)).max(200),
};

const createSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/, 'name is 1 to 64 letters, digits, ".", "_" or "-"'),
  cronExpression: scheduleFields.cronExpression,
  timeZone: scheduleFields.timeZone.default(DEFAULT_TIME_ZONE),
  enabled: scheduleFields.enabled.default(true),
  timeoutMinutes: scheduleFields.timeoutMinutes.default(DEFAULT_TIMEOUT_MINUTES),
  includeUnitTests: scheduleFields.includeUnitTests.default(true),
  includePerformanceTests: scheduleFields.includePerformanceTests.default(true),
  includeIntegrationTests: scheduleFields.includeIntegrationTests.default(true),
  workerFilters: scheduleFields.workerFilters.default([]),
});
export type CreateScheduleInput = z.input<typeof createSchema>;

const updateSchema = z.object(scheduleFields).partial();
/** Absent and null both mean "leave as it is" (GraphQL sends null for fields not given). */
export type UpdateScheduleInput = { [K in keyof z.input<typeof updateSchema>]?: z.input<typeof updateSchema>[K] | null };

/**
 * Checks what zod cannot: the expression (five or six fields, one that fires) and the zone (IANA,
 * known to the runtime). Returns the zone's canonical spelling; throws BAD_USER_INPUT naming every
 * problem.
 */
function checkTiming(input: { cronExpression?: string | undefined; timeZone?: string | undefined }): string | undefined {
  const problems: string[] = [];
  if (input.cronExpression !== undefined) {
    const problem = cronExpressionProblem(input.cronExpression);
    if (problem) problems.push(problem);
  }
  let zone: string | undefined;
  if (input.timeZone !== undefined) {
    zone = canonicalTimeZone(input.timeZone) ?? undefined;
    if (!zone) {
      problems.push(`timeZone "${input.timeZone}" is not an IANA time zone: use a name such as "Europe/Berlin", "America/New_York" or "UTC"`);
    }
  }
  if (problems.length) throw badInput(problems.join('; '));
  return zone;
}

/**
 * A filter must match a registered worker's name or type, or the schedule could never start a run.
 * A worker that is registered but disabled counts: enabling it makes the schedule work again.
 */
async function checkFilters(db: Db, filters: readonly string[] | undefined) {
  if (!filters || filters.length === 0) return;
  const registered = await db.query.workers.findMany({ columns: { name: true, type: true, enabled: true }, orderBy: { name: 'asc' } });
  const unknown = [...new Set(filters)].filter((filter) => !registered.some((worker) => worker.name === filter || worker.type === filter));
  if (unknown.length === 0) return;
  const known = registered.map((worker) => `${worker.name} (type ${worker.type}${worker.enabled ? '' : ', disabled'})`).join(', ');
  throw badInput(
    `workerFilters ${unknown.map((filter) => `"${filter}"`).join(', ')} ${unknown.length === 1 ? 'matches' : 'match'} no registered worker's name or type. ` +
      (registered.length ? `Registered workers: ${known}.` : 'No worker is registered yet: register one with registerWorker first.'),
    { unknownFilters: unknown, registeredWorkers: registered.map((worker) => worker.name) },
  );
}

export async function createSchedule(db: Db, input: CreateScheduleInput) {
  const { workerFilters, ...data } = parseInput(createSchema, input);
  const timeZone = checkTiming(data)!;
  await checkFilters(db, workerFilters);
  const [row] = await db
    .insert(healthCheckSchedules)
    .values({ ...data, timeZone, workerFilters: JSON.stringify(workerFilters) })
    .onConflictDoNothing({ target: healthCheckSchedules.name })
    .returning();
  if (!row) throw conflict(`A schedule named "${data.name}" already exists: change it with updateSchedule, or pick another name.`);
  return row;
}

export async function updateSchedule(db: Db, name: string, input: UpdateScheduleInput) {
  // Absent and null both mean "leave as it is".
  const given = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined));
  const { workerFilters, ...data } = parseInput(updateSchema, given);
  const timeZone = checkTiming(data);
  await checkFilters(db, workerFilters);
  const [row] = await db
    .update(healthCheckSchedules)
    .set({
      ...data,
      ...(timeZone ? { timeZone } : {}),
      ...(workerFilters ? { workerFilters: JSON.stringify(workerFilters) } : {}),
      updatedAt: sql`CURRENT_TIMESTAMP`,
    })
    .where(eq(healthCheckSchedules.name, name))
    .returning();
  if (!row) throw notFound(`No schedule named "${name}".`);
  return row;
}

/** Deletes a schedule. Its runs stay in the history (source `schedule:<name>`), no longer linked to it. */
export async function deleteSchedule(db: Db, name: string): Promise<boolean> {
  const [row] = await db.delete(healthCheckSchedules).where(eq(healthCheckSchedules.name, name)).returning({ id: healthCheckSchedules.id });
  if (!row) throw notFound(`No schedule named "${name}".`);
  return true;
}

export type ScheduleToRun = HealthCheckScheduleRow & { filters: string[] };
export type PlannedSlot = Exclude<TickPlan, { action: 'none' }>;

/**
 * What this cron tick does for each enabled schedule (domain/schedule-math.ts planTick), from the
 * schedules and the latest due time each has recorded. The read only decides what to try: whether a
 * run starts is decided by `claimSlot`'s unique key.
 */
export async function planSchedules(db: Db, tick: Date): Promise<{ schedule: ScheduleToRun; plan: PlannedSlot }[]> {
  const schedules = await db.query.healthCheckSchedules.findMany({
    where: { enabled: true },
    orderBy: { name: 'asc' },
    extras: {
      lastDueAt: (table) => sql<string | null>`(SELECT max(${scheduleRuns.dueAt}) FROM ${scheduleRuns} WHERE ${scheduleRuns.scheduleId} = ${table.id})`,
    },
  });
  const planned: { schedule: ScheduleToRun; plan: PlannedSlot }[] = [];
  for (const { lastDueAt, ...schedule } of schedules) {
    let plan: TickPlan;
    try {
      plan = planTick({
        cronExpression: schedule.cronExpression,
        timeZone: schedule.timeZone,
        tick,
        lastDueAt: lastDueAt ? fromSqliteTimestamp(lastDueAt) : null,
        changedAt: schedule.updatedAt ?? schedule.createdAt ?? null,
      });
    } catch (error) {
      // Only a hand-edited row can get here (inputs are validated); it shows nextRunAt null.
      console.error(JSON.stringify({ event: 'schedule.invalid', schedule: schedule.name, error: String(error) }));
      continue;
    }
    if (plan.action !== 'none') planned.push({ schedule: { ...schedule, filters: parseStringList(schedule.workerFilters) }, plan });
  }
  return planned;
}

/**
 * Records a slot under its unique key (schedule, due time). Returns the row's id when this call
 * recorded it, null when some other tick already had: only the caller that gets an id may start
 * the run, so concurrent or repeated ticks start one run per due time.
 */
export async function claimSlot(
  db: Db,
  schedule: Pick<HealthCheckScheduleRow, 'id' | 'name'>,
  slot: { dueAt: Date; status: 'starting' | 'missed'; catchUp: boolean; error?: string },
): Promise<number | null> {
  const [row] = await db
    .insert(scheduleRuns)
    .values({
      scheduleId: schedule.id,
      scheduleName: schedule.name,
      dueAt: slot.dueAt,
      status: slot.status,
      catchUp: slot.catchUp,
      error: slot.error ?? null,
    })
    .onConflictDoNothing({ target: [scheduleRuns.scheduleId, scheduleRuns.dueAt] })
    .returning({ id: scheduleRuns.id });
  return row?.id ?? null;
}

/**
 * Gives a claimed slot back, for a start that failed before writing any run (a configuration error,
 * say): a later tick within the catch-up grace window may then start it. Never used once a run row
 * exists, so a due time still has at most one run.
 */
export async function releaseSlot(db: Db, id: number) {
  await db.delete(scheduleRuns).where(and(eq(scheduleRuns.id, id), eq(scheduleRuns.status, 'starting')));
}

/**
 * A claim still `starting` this long after it was made was abandoned: starting a run takes a few
 * D1 statements, so only a tick that died between its claim and its settle leaves one this old.
 */
export const ABANDONED_CLAIM_MS = 5 * 60_000;
/**
 * CURRENT_TIMESTAMP defaults keep whole seconds while written dates keep milliseconds, so a run
 * written in its claim's second can compare as earlier; a schedule's previous run is a minute older.
 */
const CLAIM_CLOCK_SLACK_MS = 1_000;

/**
 * Settles the claims that ticks which died mid-start left `starting` (an eviction or a deploy
 * between the claim and the run): one whose run was written is linked to it; one with no run is
 * given back, so the tick plans that due time again (its one catch-up run within the grace window,
 * or recorded as missed after it). Returns how many it settled.
 */
export async function recoverAbandonedClaims(db: Db, now = new Date()): Promise<number> {
  const abandoned = await db
    .select({ id: scheduleRuns.id, scheduleName: scheduleRuns.scheduleName, createdAt: scheduleRuns.createdAt })
    .from(scheduleRuns)
    .where(and(eq(scheduleRuns.status, 'starting'), lt(scheduleRuns.createdAt, new Date(now.getTime() - ABANDONED_CLAIM_MS))));
  for (const claim of abandoned) {
    const [written] = await db
      .select({ healthCheckUuid: healthChecks.healthCheckUuid })
      .from(healthChecks)
      .where(and(eq(healthChecks.triggerType, 'cron'), eq(healthChecks.triggerSource, `schedule:${claim.scheduleName}`), gte(healthChecks.startedAt, new Date(claim.createdAt.getTime() - CLAIM_CLOCK_SLACK_MS))))
      .orderBy(asc(healthChecks.id))
      .limit(1);
    if (written) await settleSlot(db, claim.id, { healthCheckUuid: written.healthCheckUuid });
    else await releaseSlot(db, claim.id);
  }
  return abandoned.length;
}

/** The newest id in health_checks, to tell afterwards whether a start wrote a run. */
export async function newestRunId(db: Db): Promise<number> {
  const [row] = await db.select({ id: max(healthChecks.id) }).from(healthChecks);
  return row?.id ?? 0;
}

/** A cron run of this schedule written after `afterId` (by a start that then failed), if any. */
export async function scheduledRunWrittenAfter(db: Db, scheduleName: string, afterId: number): Promise<string | null> {
  const [row] = await db
    .select({ healthCheckUuid: healthChecks.healthCheckUuid })
    .from(healthChecks)
    .where(and(gt(healthChecks.id, afterId), eq(healthChecks.triggerType, 'cron'), eq(healthChecks.triggerSource, `schedule:${scheduleName}`)))
    .orderBy(asc(healthChecks.id))
    .limit(1);
  return row?.healthCheckUuid ?? null;
}

/** How many runs a schedule started (those `runs` pages over). */
export async function countScheduleRuns(db: Db, scheduleId: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(scheduleRuns)
    .innerJoin(healthChecks, eq(healthChecks.healthCheckUuid, scheduleRuns.healthCheckUuid))
    .where(eq(scheduleRuns.scheduleId, scheduleId));
  return row?.n ?? 0;
}

/** SQL for when a schedule's latest run started (SQLite timestamp text), given its id column. */
export function lastRunStartedAt(scheduleId: SQLWrapper) {
  return sql<string | null>`(SELECT max(${healthChecks.startedAt}) FROM ${scheduleRuns} INNER JOIN ${healthChecks} ON ${healthChecks.healthCheckUuid} = ${scheduleRuns.healthCheckUuid} WHERE ${scheduleRuns.scheduleId} = ${scheduleId})`;
}

/** Links a claimed slot to the run it started, or says why none did. */
export async function settleSlot(db: Db, id: number, outcome: { healthCheckUuid: string } | { error: string }) {
  await db
    .update(scheduleRuns)
    .set('healthCheckUuid' in outcome ? { status: 'started', healthCheckUuid: outcome.healthCheckUuid } : { status: 'not_started', error: outcome.error })
    .where(eq(scheduleRuns.id, id));
}
