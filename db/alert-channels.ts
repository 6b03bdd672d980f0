import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { boolean, datetime } from './columns';

/** Where notifications go: a signed webhook, Slack or Discord incoming webhooks, PagerDuty Events API v2. */
export const ALERT_CHANNEL_KINDS = ['webhook', 'slack', 'discord', 'pagerduty'] as const;
export type AlertChannelKind = (typeof ALERT_CHANNEL_KINDS)[number];

/**
 * Notification channels. `secret` holds only what sending needs and is never returned by the API
 * after creation: a WEBHOOK channel's Standard Webhooks signing secret (`whsec_…`), a PAGERDUTY
 * channel's routing key. Slack and Discord URLs are their own credentials, so the API shows them
 * shortened.
 */
export const alertChannels = sqliteTable('alert_channels', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  kind: text('kind').$type<AlertChannelKind>().notNull(),
  url: text('url').notNull(),
  secret: text('secret'),
  enabled: boolean('enabled').notNull().default(sql`TRUE`),
  createdAt: datetime('created_at').notNull().default(sql`CURRENT_TIMESTAMP`),
  updatedAt: datetime('updated_at').notNull().default(sql`CURRENT_TIMESTAMP`),
});

export type AlertChannelRow = typeof alertChannels.$inferSelect;
