import { sql } from 'drizzle-orm';
import { integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { boolean, datetime } from './columns';
import type { HealthStatus } from './worker-health-checks';

/**
 * Alert rules: what they watch (workers by name or type, every worker, or the fleet's score), what
 * counts as bad (a status or worse, or a score below a threshold), how many consecutive checks open
 * and resolve an alert, reminders, flap detection, and the channels (by name) to notify.
 */
export const alertRules = sqliteTable('alert_rules', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  /** JSON list of worker names or types; every worker when empty. */
  workerFilters: text('worker_filters').notNull().default('[]'),
  /** Watches the run's overall score instead of workers. */
  fleet: boolean('fleet').notNull().default(sql`FALSE`),
  /** A check at this status or worse is bad (when scoreBelow is null). */
  openAt: text('open_at').$type<HealthStatus>(),
  /** A check scoring below this is bad (instead of openAt). */
  scoreBelow: real('score_below'),
  failureThreshold: integer('failure_threshold').notNull().default(2),
  successThreshold: integer('success_threshold').notNull().default(2),
  /** Remind every this many minutes while open and not acknowledged; none when null. */
  reminderMinutes: integer('reminder_minutes'),
  /** Flap detection: more than flapThreshold changes among the last flapWindow checks (0: off). */
  flapWindow: integer('flap_window').notNull().default(10),
  flapThreshold: integer('flap_threshold').notNull().default(4),
  /** JSON list of channel names. */
  channels: text('channels').notNull().default('[]'),
  enabled: boolean('enabled').notNull().default(sql`TRUE`),
  createdAt: datetime('created_at').notNull().default(sql`CURRENT_TIMESTAMP`),
  updatedAt: datetime('updated_at').notNull().default(sql`CURRENT_TIMESTAMP`),
});

export type AlertRuleRow = typeof alertRules.$inferSelect;
