import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { datetime } from './columns';
import type { AlertTransitionKind } from './alert-transitions';

/**
 * `pending` (queued or waiting for a retry), `sending` (claimed by one consumer), `delivered`,
 * `failed` (the receiver refused it: a 4xx other than 429, or the channel is gone) or
 * `dead_lettered` (still failing after the queue's retries).
 */
export const ALERT_DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed', 'dead_lettered'] as const;
export type AlertDeliveryStatus = (typeof ALERT_DELIVERY_STATUSES)[number];

/**
 * One notification of one transition to one channel: UNIQUE (transition, channel), so it is sent
 * once. A consumer sends only after claiming it (`pending` → `sending`, conditionally), so two
 * copies of a queue message cannot both send.
 */
export const alertDeliveries = sqliteTable(
  'alert_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    transitionId: integer('transition_id').notNull(),
    alertId: integer('alert_id').notNull(),
    transitionKind: text('transition_kind').$type<AlertTransitionKind>().notNull(),
    channelId: integer('channel_id').notNull(),
    channelName: text('channel_name').notNull(),
    status: text('status').$type<AlertDeliveryStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    claimedAt: datetime('claimed_at'),
    deliveredAt: datetime('delivered_at'),
    createdAt: datetime('created_at').notNull().default(sql`CURRENT_TIMESTAMP`),
    updatedAt: datetime('updated_at').notNull().default(sql`CURRENT_TIMESTAMP`),
  },
  (table) => [
    uniqueIndex('alert_deliveries_transition_channel_idx').on(table.transitionId, table.channelId),
    index('alert_deliveries_alert_channel_idx').on(table.alertId, table.channelId),
  ],
);

export type AlertDeliveryRow = typeof alertDeliveries.$inferSelect;

/** What one attempt came to: sent, to be retried, or refused for good. */
export const ALERT_ATTEMPT_OUTCOMES = ['delivered', 'retry', 'failed'] as const;
export type AlertAttemptOutcome = (typeof ALERT_ATTEMPT_OUTCOMES)[number];

/** Every attempt to send a delivery: its answer (or error), how long it took, what came of it. */
export const alertDeliveryAttempts = sqliteTable(
  'alert_delivery_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryId: integer('delivery_id').notNull(),
    alertId: integer('alert_id').notNull(),
    channelName: text('channel_name').notNull(),
    attempt: integer('attempt').notNull(),
    statusCode: integer('status_code'),
    latencyMs: integer('latency_ms').notNull(),
    error: text('error'),
    outcome: text('outcome').$type<AlertAttemptOutcome>().notNull(),
    createdAt: datetime('created_at').notNull().default(sql`CURRENT_TIMESTAMP`),
  },
  (table) => [index('alert_delivery_attempts_delivery_id_idx').on(table.deliveryId)],
);

export type AlertDeliveryAttemptRow = typeof alertDeliveryAttempts.$inferSelect;
