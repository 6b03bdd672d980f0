import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { boolean, datetime } from './columns';

/**
 * What became of a schedule's slot: `starting` (claimed, the run is being written), `started` (its
 * run is `health_check_uuid`), `not_started` (initiating failed, e.g. its filters match no enabled
 * worker; `error` says why) or `missed` (the tick never came and the slot was past the catch-up
 * grace window when one did).
 */
export const SCHEDULE_RUN_STATUSES = ['starting', 'started', 'not_started', 'missed'] as const;
export type ScheduleRunStatus = (typeof SCHEDULE_RUN_STATUSES)[number];

/**
 * One row per (schedule, due time) the cron tick acted on. The unique key is the guard that makes a
 * schedule start exactly one run per due time: a tick inserts the row first (ON CONFLICT DO
 * NOTHING) and only the tick whose insert took starts the run, however many run at once.
 *
 * No foreign keys: a deleted schedule's rows stay as history (its runs keep their
 * `schedule:<name>` source), and D1 cannot turn foreign keys off while a later migration rebuilds
 * a table, so a cascade could empty this one.
 */
export const scheduleRuns = sqliteTable(
  'schedule_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** health_check_schedules.id: a schedule deleted and created again under its name starts afresh. */
    scheduleId: integer('schedule_id').notNull(),
    scheduleName: text('schedule_name').notNull(),
    /** The first due instant of the minute it is for (a seconds field fires in its minute). */
    dueAt: datetime('due_at').notNull(),
    status: text('status').$type<ScheduleRunStatus>().notNull(),
    /** Run late, for a due time the tick missed (downtime). */
    catchUp: boolean('catch_up').notNull().default(sql`FALSE`),
    healthCheckUuid: text('health_check_uuid').unique(),
    error: text('error'),
    createdAt: datetime('created_at').notNull().default(sql`CURRENT_TIMESTAMP`),
  },
  (table) => [
    // Also serves a schedule's latest due time (max(due_at)) and its runs.
    uniqueIndex('schedule_runs_schedule_due_idx').on(table.scheduleId, table.dueAt),
  ],
);

export type ScheduleRunRow = typeof scheduleRuns.$inferSelect;
