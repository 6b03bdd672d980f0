import { sql } from 'drizzle-orm';
import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { datetime } from './columns';

/**
 * `webhook-id`s of worker callbacks already accepted: a second delivery with the same id is a
 * replay. Written in the same D1 batch as the result it carried, so a result that was not
 * recorded does not use up its id. Ids older than the signature window can be pruned.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    webhookId: text('webhook_id').primaryKey(),
    workerCheckUuid: text('worker_check_uuid').notNull(),
    receivedAt: datetime('received_at').notNull().default(sql`CURRENT_TIMESTAMP`),
  },
  (table) => [index('webhook_deliveries_received_at_idx').on(table.receivedAt)],
);
