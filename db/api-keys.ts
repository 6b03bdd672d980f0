import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { datetime } from './columns';

/** Least to most: each role may do what the roles before it may. */
export const API_KEY_ROLES = ['viewer', 'operator', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** The one role ranking: does `role` include `needed`? (HTTP scope-auth and the EventHub both ask.) */
export function roleAtLeast(role: ApiKeyRole, needed: ApiKeyRole): boolean {
  return API_KEY_ROLES.indexOf(role) >= API_KEY_ROLES.indexOf(needed);
}

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
