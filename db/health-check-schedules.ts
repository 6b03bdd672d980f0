import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { boolean, datetime } from './columns';

/** Cron schedules that start runs (the seed's `health_check_schedules`). */
export const healthCheckSchedules = sqliteTable('health_check_schedules', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  cronExpression: text('cron_expression').notNull(),
  enabled: boolean('enabled').default(sql`TRUE`),
  timeoutMinutes: integer('timeout_minutes').default(30),
  includeUnitTests: boolean('include_unit_tests').default(sql`TRUE`),
  includePerformanceTests: boolean('include_performance_tests').default(sql`TRUE`),
  includeIntegrationTests: boolean('include_integration_tests').default(sql`TRUE`),
  workerFilters: text('worker_filters'),
  /** IANA zone the expression is read in; UTC unless set. */
  timeZone: text('time_zone').notNull().default('UTC'),
  createdAt: datetime('created_at').default(sql`CURRENT_TIMESTAMP`),
  updatedAt: datetime('updated_at').default(sql`CURRENT_TIMESTAMP`),
});

export type HealthCheckScheduleRow = typeof healthCheckSchedules.$inferSelect;
