import { Cron } from 'croner';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { healthCheckSchedules, type HealthCheckScheduleRow } from '../db/health-check-schedules';
import type { Db } from '../db/client';
import { conflict, notFound, parseInput } from './errors';
import { DEFAULT_TIMEOUT_MINUTES, MAX_TIMEOUT_MINUTES } from './initiate';
import { parseStringList } from './json-columns';

/** Schedules run in UTC, like Cloudflare cron triggers. */
function cronOf(expression: string): Cron {
  return new Cron(expression, { timezone: 'UTC', paused: true });
}

/**
 * When a schedule fires next, in UTC. Five-field expressions and the seed's six-field ones
 * (leading seconds) are both accepted. Null when disabled or unparsable.
 */
export function nextRunAt(schedule: Pick<HealthCheckScheduleRow, 'cronExpression' | 'enabled'>, from = new Date()) {
  if (schedule.enabled === false) return null;
  try {
    return cronOf(schedule.cronExpression).nextRun(from);
  } catch {
    return null;
  }
}

/** Whether a schedule fires within the minute starting at `minute` (the cron trigger's tick). */
export function firesWithin(cronExpression: string, minute: Date): boolean {
  const start = Math.floor(minute.getTime() / 60_000) * 60_000;
  const next = cronOf(cronExpression).nextRun(new Date(start - 1));
  return next !== null && next.getTime() < start + 60_000;
}

const cronExpression = z
  .string()
  .trim()
  .refine((value) => {
    try {
      cronOf(value);
      return value.split(/\s+/).length >= 5;
    } catch {
      return false;
    }
  }, 'cronExpression must be a cron expression of 5 fields (or 6, with seconds first), e.g. "0 2 * * *"');

const scheduleFields = {
  cronExpression,
  enabled: z.boolean(),
  timeoutMinutes: z.number().int().min(1, 'timeoutMinutes must be at least 1').max(MAX_TIMEOUT_MINUTES, `timeoutMinutes must be at most ${MAX_TIMEOUT_MINUTES}`),
  includeUnitTests: z.boolean(),
  includePerformanceTests: z.boolean(),
  includeIntegrationTests: z.boolean(),
  workerFilters: z.array(z.string().trim().min(1).max(64)).max(200),
};

const createSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/, 'name is 1 to 64 letters, digits, ".", "_" or "-"'),
  cronExpression,
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

export async function createSchedule(db: Db, input: CreateScheduleInput) {
  const { workerFilters, ...data } = parseInput(createSchema, input);
  const [row] = await db
    .insert(healthCheckSchedules)
    .values({ ...data, workerFilters: JSON.stringify(workerFilters) })
    .onConflictDoNothing({ target: healthCheckSchedules.name })
    .returning();
  if (!row) throw conflict(`A schedule named "${data.name}" already exists.`);
  return row;
}

export async function updateSchedule(db: Db, name: string, input: UpdateScheduleInput) {
  // Absent and null both mean "leave as it is".
  const given = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined));
  const { workerFilters, ...data } = parseInput(updateSchema, given);
  const [row] = await db
    .update(healthCheckSchedules)
    .set({ ...data, ...(workerFilters ? { workerFilters: JSON.stringify(workerFilters) } : {}), updatedAt: sql`CURRENT_TIMESTAMP` })
    .where(eq(healthCheckSchedules.name, name))
    .returning();
  if (!row) throw notFound(`No schedule named "${name}".`);
  return row;
}

export async function deleteSchedule(db: Db, name: string): Promise<boolean> {
  const [row] = await db.delete(healthCheckSchedules).where(eq(healthCheckSchedules.name, name)).returning({ id: healthCheckSchedules.id });
  if (!row) throw notFound(`No schedule named "${name}".`);
  return true;
}

/** The enabled schedules that fire within the cron tick's minute, with their filters read. */
export async function dueSchedules(db: Db, tick: Date) {
  const schedules = await db.query.healthCheckSchedules.findMany({ where: { enabled: true }, orderBy: { name: 'asc' } });
  return schedules
    .filter((schedule) => {
      try {
        return firesWithin(schedule.cronExpression, tick);
      } catch {
        return false; // an expression that no longer parses is shown with nextRunAt null
      }
    })
    .map((schedule) => ({ ...schedule, filters: parseStringList(schedule.workerFilters) }));
}
