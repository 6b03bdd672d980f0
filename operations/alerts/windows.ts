import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { maintenanceWindows, type MaintenanceWindowRow } from '../../db/alert-maintenance-windows';
import type { Db } from '../../db/client';
import type { WindowSpec } from '../../domain/alerts/maintenance';
import { canonicalTimeZone, cronExpressionProblem } from '../../domain/schedule-math';
import { badInput, conflict, notFound, parseInput } from '../errors';
import { parseStringList } from '../json-columns';
import { checkWorkerFilters, given, nameSchema, workerFiltersSchema } from './validation';

export const MAX_WINDOW_MINUTES = 7 * 24 * 60;

const fields = {
  workerFilters: workerFiltersSchema,
  startsAt: z.date(),
  endsAt: z.date(),
  cronExpression: z.string().trim(),
  durationMinutes: z.number().int('durationMinutes must be a whole number').min(1, 'durationMinutes must be at least 1').max(MAX_WINDOW_MINUTES, `durationMinutes must be at most ${MAX_WINDOW_MINUTES} (a week)`),
  timeZone: z.string().trim(),
};
const createSchema = z.object({ name: nameSchema, ...fields }).partial().required({ name: true });
export type CreateMaintenanceWindowInput = { [K in keyof z.input<typeof createSchema>]?: z.input<typeof createSchema>[K] | null } & { name: string };
const updateSchema = z.object(fields).partial();
export type UpdateMaintenanceWindowInput = { [K in keyof z.input<typeof updateSchema>]?: z.input<typeof updateSchema>[K] | null };

type Timing = Pick<MaintenanceWindowRow, 'startsAt' | 'endsAt' | 'cronExpression' | 'durationMinutes' | 'timeZone'>;

/** One-off (startsAt < endsAt) or recurring (cronExpression and durationMinutes, in timeZone), never both. */
function checkTiming(timing: Timing): Timing {
  const oneOff = timing.startsAt !== null || timing.endsAt !== null;
  const recurring = timing.cronExpression !== null || timing.durationMinutes !== null;
  if (oneOff && recurring) throw badInput('a window is one-off (startsAt and endsAt) or recurring (cronExpression and durationMinutes), not both');
  if (!oneOff && !recurring) throw badInput('give startsAt and endsAt (a one-off window) or cronExpression and durationMinutes (a recurring one)');
  const problems: string[] = [];
  if (oneOff) {
    if (!timing.startsAt || !timing.endsAt) problems.push('a one-off window needs both startsAt and endsAt');
    else if (timing.endsAt.getTime() <= timing.startsAt.getTime()) problems.push('endsAt must be after startsAt');
  } else {
    if (!timing.cronExpression || !timing.durationMinutes) problems.push('a recurring window needs both cronExpression and durationMinutes');
    else {
      const problem = cronExpressionProblem(timing.cronExpression);
      if (problem) problems.push(problem);
    }
  }
  const zone = canonicalTimeZone(timing.timeZone);
  if (!zone) problems.push(`timeZone "${timing.timeZone}" is not an IANA time zone: use a name such as "Europe/Berlin", "America/New_York" or "UTC"`);
  if (problems.length) throw badInput(problems.join('; '));
  return { ...timing, timeZone: zone! };
}

export async function createMaintenanceWindow(db: Db, input: CreateMaintenanceWindowInput): Promise<MaintenanceWindowRow> {
  const data = parseInput(createSchema, given(input));
  const timing = checkTiming({
    startsAt: data.startsAt ?? null,
    endsAt: data.endsAt ?? null,
    cronExpression: data.cronExpression ?? null,
    durationMinutes: data.durationMinutes ?? null,
    timeZone: data.timeZone ?? 'UTC',
  });
  const filters = [...new Set(data.workerFilters ?? [])];
  await checkWorkerFilters(db, filters);
  const [row] = await db
    .insert(maintenanceWindows)
    .values({ name: data.name, workerFilters: JSON.stringify(filters), ...timing })
    .onConflictDoNothing({ target: maintenanceWindows.name })
    .returning();
  if (!row) throw conflict(`A maintenance window named "${data.name}" already exists.`);
  return row;
}

export async function updateMaintenanceWindow(db: Db, name: string, input: UpdateMaintenanceWindowInput): Promise<MaintenanceWindowRow> {
  const data = parseInput(updateSchema, given(input));
  const existing = await db.query.maintenanceWindows.findFirst({ where: { name } });
  if (!existing) throw notFound(`No maintenance window named "${name}".`);
  // Giving one kind's fields switches the window to that kind.
  const toOneOff = data.startsAt !== undefined || data.endsAt !== undefined;
  const toRecurring = data.cronExpression !== undefined || data.durationMinutes !== undefined;
  if (toOneOff && toRecurring) throw badInput('a window is one-off (startsAt and endsAt) or recurring (cronExpression and durationMinutes), not both');
  const timing = checkTiming({
    startsAt: toRecurring ? null : (data.startsAt ?? existing.startsAt),
    endsAt: toRecurring ? null : (data.endsAt ?? existing.endsAt),
    cronExpression: toOneOff ? null : (data.cronExpression ?? existing.cronExpression),
    durationMinutes: toOneOff ? null : (data.durationMinutes ?? existing.durationMinutes),
    timeZone: data.timeZone ?? existing.timeZone,
  });
  const filters = data.workerFilters ? [...new Set(data.workerFilters)] : undefined;
  await checkWorkerFilters(db, filters);
  const [row] = await db
    .update(maintenanceWindows)
    .set({ ...timing, ...(filters ? { workerFilters: JSON.stringify(filters) } : {}), updatedAt: sql`CURRENT_TIMESTAMP` })
    .where(eq(maintenanceWindows.name, name))
    .returning();
  if (!row) throw notFound(`No maintenance window named "${name}".`);
  return row;
}

export async function deleteMaintenanceWindow(db: Db, name: string): Promise<boolean> {
  const [row] = await db.delete(maintenanceWindows).where(eq(maintenanceWindows.name, name)).returning({ id: maintenanceWindows.id });
  if (!row) throw notFound(`No maintenance window named "${name}".`);
  return true;
}

export function windowSpec(row: MaintenanceWindowRow): WindowSpec {
  return {
    name: row.name,
    workerFilters: parseStringList(row.workerFilters),
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    cronExpression: row.cronExpression,
    durationMinutes: row.durationMinutes,
    timeZone: row.timeZone,
  };
}
