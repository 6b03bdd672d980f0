import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { datetime } from './columns';
import type { HealthStatus } from './worker-health-checks';

/**
 * What happened to an alert. `opened`, `reminder`, `flapping`, `settled` and `resolved` notify the
 * rule's channels; `acknowledged` does not.
 */
export const ALERT_TRANSITION_KINDS = ['opened', 'reminder', 'flapping', 'settled', 'acknowledged', 'resolved'] as const;
export type AlertTransitionKind = (typeof ALERT_TRANSITION_KINDS)[number];
export const NOTIFYING_TRANSITIONS: readonly AlertTransitionKind[] = ['opened', 'reminder', 'flapping', 'settled', 'resolved'];

/**
 * One row per alert transition, under an idempotency key that is UNIQUE: the same evaluation
 * delivered twice, or two evaluations racing, record (and so notify) a transition once.
 * `payload` is the notification as decided then (JSON, domain/alerts/notification.ts), so a
 * retried delivery sends what the first attempt sent.
 */
export const alertTransitions = sqliteTable(
  'alert_transitions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    alertId: integer('alert_id').notNull(),
    kind: text('kind').$type<AlertTransitionKind>().notNull(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    healthCheckUuid: text('health_check_uuid'),
    healthStatus: text('health_status').$type<HealthStatus>(),
    score: real('score'),
    payload: text('payload').notNull(),
    createdAt: datetime('created_at').notNull().default(sql`CURRENT_TIMESTAMP`),
  },
  (table) => [index('alert_transitions_alert_id_idx').on(table.alertId), index('alert_transitions_health_check_uuid_idx').on(table.healthCheckUuid)],
);

export type AlertTransitionRow = typeof alertTransitions.$inferSelect;
