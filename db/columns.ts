import { customType } from 'drizzle-orm/sqlite-core';

/**
 * Column types that keep the seed's SQL type names (BOOLEAN, DATETIME) in the generated
 * migrations while giving TypeScript real booleans and Dates.
 */

export const boolean = customType<{ data: boolean; driverData: number }>({
  dataType: () => 'BOOLEAN',
  toDriver: (value) => (value ? 1 : 0),
  fromDriver: (value) => Boolean(value),
});

/**
 * Stored as SQLite's CURRENT_TIMESTAMP text form in UTC ("YYYY-MM-DD HH:MM:SS[.SSS]"), so rows
 * written by column defaults and by code sort and compare alike.
 */
export const datetime = customType<{ data: Date; driverData: string }>({
  dataType: () => 'DATETIME',
  toDriver: (value) => toSqliteTimestamp(value),
  fromDriver: (value) => fromSqliteTimestamp(value),
});

export function toSqliteTimestamp(value: Date): string {
  return value.toISOString().replace('T', ' ').replace('Z', '');
}

export function fromSqliteTimestamp(value: string): Date {
  return new Date(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`);
}
