import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { boolean, datetime } from './columns';
import type { HealthStatus } from './worker-health-checks';

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** The fleet's own subject; a worker's is `worker:<name>`. */
export const FLEET_SUBJECT = 'fleet';

/**
 * One alert per episode of a rule's subject (a worker, or the fleet) being bad: opened, maybe
 * acknowledged, resolved. The partial unique index lets one unresolved alert exist per (rule,
 * subject), so concurrent evaluations open it once.
 *
 * Every change is a conditional write: `version` is compared and bumped, and `last_transition_key`
 * names the transition the write made, which the same D1 batch then inserts (its key is UNIQUE in
 * alert_transitions). A write that lost the race inserts nothing.
 */
export const alerts = sqliteTable(
  'alerts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ruleId: integer('rule_id').notNull(),
    ruleName: text('rule_name').notNull(),
    subject: text('subject').notNull(),
    /** Null for the fleet. */
    workerName: text('worker_name'),
    status: text('status').$type<AlertStatus>().notNull().default('open'),
    flapping: boolean('flapping').notNull().default(sql`FALSE`),
    healthStatus: text('health_status').$type<HealthStatus>(),
    score: real('score'),
    /** JSON list: dependants whose own alerts this one stands for (dependency-aware suppression). */
    affectedWorkers: text('affected_workers').notNull().default('[]'),
    /** JSON list: the analysis's first recommendations when it opened. */
    recommendations: text('recommendations').notNull().default('[]'),
    summary: text('summary'),
    openedHealthCheckUuid: text('opened_health_check_uuid'),
    /** The run of the latest check it was evaluated against. */
    healthCheckUuid: text('health_check_uuid'),
    openedAt: datetime('opened_at').notNull().default(sql`CURRENT_TIMESTAMP`),
    acknowledgedAt: datetime('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
    resolvedAt: datetime('resolved_at'),
    /** When the latest notification about it was decided (opened, flapping, settled, reminder). */
    lastNotifiedAt: datetime('last_notified_at').notNull().default(sql`CURRENT_TIMESTAMP`),
    version: integer('version').notNull().default(0),
    lastTransitionKey: text('last_transition_key'),
  },
  (table) => [
    uniqueIndex('alerts_one_unresolved_idx').on(table.ruleId, table.subject).where(sql`${table.status} <> 'resolved'`),
    index('alerts_status_id_idx').on(table.status, table.id),
  ],
);

export type AlertRow = typeof alerts.$inferSelect;
