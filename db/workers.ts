import { sql } from 'drizzle-orm';
import { check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { boolean, datetime } from './columns';

/**
 * The registry of downstream Workers a run fans out to. Each is reached either over a service
 * binding of the orchestrator (`binding`, the binding's name) or over HTTPS (`url`), never both.
 */
export const workers = sqliteTable(
  'workers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull().unique(),
    type: text('type').notNull(),
    binding: text('binding'),
    url: text('url'),
    /** JSON list of the registered workers it depends on (dependency-aware alert suppression). */
    dependsOn: text('depends_on').notNull().default('[]'),
    enabled: boolean('enabled').notNull().default(sql`TRUE`),
    createdAt: datetime('created_at').notNull().default(sql`CURRENT_TIMESTAMP`),
    updatedAt: datetime('updated_at').notNull().default(sql`CURRENT_TIMESTAMP`),
  },
  (table) => [
    check('workers_reached_one_way', sql`(${table.binding} IS NULL) <> (${table.url} IS NULL)`),
  ],
);

export type WorkerRow = typeof workers.$inferSelect;
