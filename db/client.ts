import type { Logger } from 'drizzle-orm/logger';
import { drizzle } from 'drizzle-orm/d1';
import { relations } from './relations';

/** The drizzle client over the D1 binding; `logger` lets tests count SQL statements. */
export function createDb(d1: D1Database, logger?: Logger) {
  return drizzle(d1, { relations, ...(logger ? { logger } : {}) });
}

export type Db = ReturnType<typeof createDb>;
