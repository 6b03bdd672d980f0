import type { InferInsertModel } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from './client';

/** D1 refuses a statement with more than 100 bound parameters. */
export const D1_MAX_BOUND_PARAMETERS = 100;

/** Splits rows into groups of at most `size`. */
function chunk<T>(rows: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}

/**
 * Multi-row INSERT statements that each stay within D1's bound-parameter limit, for one D1
 * batch. How many parameters a row binds is read from drizzle's own SQL for the first row
 * (columns with JS-side defaults bind too), so the split holds whatever the table looks like.
 */
export function insertsWithinLimit<T extends SQLiteTable>(db: Db, table: T, rows: readonly InferInsertModel<T>[]) {
  if (rows.length === 0) return [];
  // drizzle's overloads cannot see through a generic table; the rows are that table's inserts.
  const insert = (values: InferInsertModel<T>[]) => db.insert(table).values(values as never);
  const perRow = Math.max(1, insert([rows[0]!]).toSQL().params.length);
  const size = Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / perRow));
  return chunk(rows, size).map(insert);
}
