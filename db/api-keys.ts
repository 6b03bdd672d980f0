import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { datetime } from './columns';

export const API_KEY_ROLES = ['viewer', 'operator', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** API keys. Only the SHA-256 of a key is kept; the key itself is shown once, at creation. */
export const apiKeys = sqliteTable('api_keys', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  role: text('role').$type<ApiKeyRole>().notNull(),
  keyHash: text('key_hash').notNull().unique(),
  // The first characters of the key, so a person can tell keys apart without the secret.
  keyPrefix: text('key_prefix').notNull(),
  createdAt: datetime('created_at').notNull().default(sql`CURRENT_TIMESTAMP`),
  lastUsedAt: datetime('last_used_at'),
  revokedAt: datetime('revoked_at'),
});

export type ApiKeyRow = typeof apiKeys.$inferSelect;
