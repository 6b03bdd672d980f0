import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { API_KEY_ROLES, apiKeys, roleAtLeast, type ApiKeyRole } from '../db/api-keys';
import type { Db } from '../db/client';
import type { OperationDeps } from './deps';
import { badInput, conflict, notFound } from './errors';

export interface Caller {
  keyName: string;
  role: ApiKeyRole;
}

/** Roles are ordered: an admin may do what an operator may, an operator what a viewer may. */
export function hasRole(caller: Caller | null, needed: ApiKeyRole): boolean {
  return caller !== null && roleAtLeast(caller.role, needed);
}

const KEY_PREFIX = 'wh_';
/** How often `last_used_at` is written for a busy key, so reads do not become writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return `${KEY_PREFIX}${hex}`;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Compares two equal-length hex digests without an early exit. */
function digestsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function parseBearer(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export type Authentication =
  | { kind: 'anonymous' }
  | { kind: 'invalid' }
  | { kind: 'authenticated'; caller: Caller; touch?: Promise<unknown> };

/**
 * Resolves an `Authorization` header to a caller. The bootstrap admin key (the ADMIN_API_KEY
 * secret) is compared by digest; other keys are looked up by their SHA-256. A revoked key is as
 * good as no key. `touch` is the deferred `last_used_at` write, for the caller to `waitUntil`.
 */
export async function authenticate(
  db: Db,
  authorization: string | null | undefined,
  bootstrapAdminKey: string | undefined,
): Promise<Authentication> {
  if (!authorization) return { kind: 'anonymous' };
  const key = parseBearer(authorization);
  if (!key) return { kind: 'invalid' };
  const hash = await sha256Hex(key);
  if (bootstrapAdminKey && digestsEqual(hash, await sha256Hex(bootstrapAdminKey))) {
    return { kind: 'authenticated', caller: { keyName: 'bootstrap-admin', role: 'admin' } };
  }
  const row = await db.query.apiKeys.findFirst({
    columns: { id: true, name: true, role: true, lastUsedAt: true },
    where: { keyHash: hash, revokedAt: { isNull: true } },
  });
  if (!row) return { kind: 'invalid' };
  const now = new Date();
  const stale = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  const touch =
    !row.lastUsedAt || row.lastUsedAt < stale
      ? db
          .update(apiKeys)
          .set({ lastUsedAt: now })
          .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, stale))))
          .run()
      : undefined;
  return { kind: 'authenticated', caller: { keyName: row.name, role: row.role }, ...(touch ? { touch } : {}) };
}

const KEY_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;

/** Creates a key and returns it once; only its hash is stored. */
export async function createApiKey(db: Db, input: { name: string; role: ApiKeyRole }) {
  if (!KEY_NAME.test(input.name)) {
    throw badInput('A key name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit.');
  }
  if (!API_KEY_ROLES.includes(input.role)) throw badInput(`Unknown role "${input.role}".`);
  if (input.name === 'bootstrap-admin') throw badInput('"bootstrap-admin" is reserved for the ADMIN_API_KEY secret.');
  const key = generateApiKey();
  const [row] = await db
    .insert(apiKeys)
    .values({ name: input.name, role: input.role, keyHash: await sha256Hex(key), keyPrefix: key.slice(0, 10) })
    .onConflictDoNothing({ target: apiKeys.name })
    .returning();
  if (!row) throw conflict(`An API key named "${input.name}" already exists.`);
  return { key, apiKey: row };
}

/**
 * Revokes a key at once and closes every live subscription socket opened with it, so a revoked key
 * stops receiving events now, not at its next reconnect.
 */
export async function revokeApiKey(deps: Pick<OperationDeps, 'db' | 'disconnectKey'>, name: string) {
  const revoked = await markRevoked(deps.db, name);
  await deps.disconnectKey(revoked.name);
  return revoked;
}

async function markRevoked(db: Db, name: string) {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.name, name), isNull(apiKeys.revokedAt)))
    .returning();
  if (row) return row;
  const existing = await db.query.apiKeys.findFirst({ where: { name } });
  if (!existing) throw notFound(`No API key named "${name}".`);
  throw conflict(`The API key "${name}" is already revoked.`);
}
