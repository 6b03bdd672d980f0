import { sql } from 'drizzle-orm';
import { check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { datetime } from './columns';

/**
 * Maintenance windows: one-off (starts_at, ends_at) or recurring (a cron expression and a duration,
 * read in a time zone), for workers by name or type, or the whole fleet when workerFilters is empty.
 * Checks still run and are recorded; alerts are held (domain/alerts/evaluate.ts).
 */
export const maintenanceWindows = sqliteTable(
  'maintenance_windows',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull().unique(),
    workerFilters: text('worker_filters').notNull().default('[]'),
    startsAt: datetime('starts_at'),
    endsAt: datetime('ends_at'),
    cronExpression: text('cron_expression'),
    durationMinutes: integer('duration_minutes'),
    timeZone: text('time_zone').notNull().default('UTC'),
    createdAt: datetime('created_at').notNull().default(sql`CURRENT_TIMESTAMP`),
    updatedAt: datetime('updated_at').notNull().default(sql`CURRENT_TIMESTAMP`),
  },
  (table) => [
    check(
      'maintenance_windows_one_off_or_recurring',
      sql`(${table.startsAt} IS NOT NULL AND ${table.endsAt} IS NOT NULL AND ${table.cronExpression} IS NULL AND ${table.durationMinutes} IS NULL) OR (${table.startsAt} IS NULL AND ${table.endsAt} IS NULL AND ${table.cronExpression} IS NOT NULL AND ${table.durationMinutes} IS NOT NULL)`,
    ),
  ],
);

export type MaintenanceWindowRow = typeof maintenanceWindows.$inferSelect;
