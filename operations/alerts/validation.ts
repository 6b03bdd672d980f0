import { z } from 'zod';
import type { Db } from '../../db/client';
import { badInput } from '../errors';

/** Names of channels, rules and windows: as schedules'. */
export const nameSchema = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/, 'name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const workerFiltersSchema = z.array(z.string().trim().min(1, 'a worker filter must not be empty').max(64, 'a worker filter is at most 64 characters')).max(200, 'at most 200 worker filters');

/** Absent and null both mean "leave as it is" (GraphQL sends null for fields not given). */
export function given<T extends object>(input: T): Partial<{ [K in keyof T]: NonNullable<T[K]> }> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined)) as never;
}

/**
 * Filters must match a registered worker's name or type (a disabled one counts): a typo would
 * otherwise watch, or silence, nothing.
 */
export async function checkWorkerFilters(db: Db, filters: readonly string[] | undefined, field = 'workerFilters'): Promise<void> {
  if (!filters || filters.length === 0) return;
  const registered = await db.query.workers.findMany({ columns: { name: true, type: true }, orderBy: { name: 'asc' } });
  const unknown = [...new Set(filters)].filter((filter) => !registered.some((worker) => worker.name === filter || worker.type === filter));
  if (unknown.length === 0) return;
  throw badInput(
    `${field} ${unknown.map((filter) => `"${filter}"`).join(', ')} ${unknown.length === 1 ? 'matches' : 'match'} no registered worker's name or type. ` +
      (registered.length ? `Registered workers: ${registered.map((worker) => `${worker.name} (type ${worker.type})`).join(', ')}.` : 'No worker is registered yet.'),
    { unknownFilters: unknown },
  );
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Why a channel URL is refused, or null: absolute, https (plain http only for localhost, and only
 * when ENVIRONMENT is "development"), no credentials in it, no fragment.
 */
export function channelUrlProblem(value: string, environment: string | undefined): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `url "${value.slice(0, 200)}" is not an absolute URL`;
  }
  const local = LOCAL_HOSTS.has(url.hostname);
  if (url.protocol === 'http:') {
    if (!local) return 'url must use https (plain http only for localhost, in local development)';
    if (environment !== 'development') return 'url must use https: plain http to localhost is accepted only when ENVIRONMENT is "development"';
  } else if (url.protocol !== 'https:') {
    return `url must use https, not ${url.protocol.replace(':', '')}`;
  }
  if (url.username || url.password) return 'url must not carry a user name or password';
  if (url.hash) return 'url must not carry a fragment';
  if (value.length > 2048) return 'url is at most 2048 characters';
  return null;
}
