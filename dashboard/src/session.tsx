/**
 * The API key, kept only in this browser: in localStorage when the user asks to be remembered on
 * this device, otherwise in sessionStorage (this tab, until it closes). It is sent to nobody but
 * this orchestrator's /graphql (as `Authorization: Bearer …`, and in graphql-ws's
 * `connection_init` payload). "Forget key" removes it from both.
 */
import { createWorkerHealthClient, type WorkerHealthClient } from '../../client/src/client';
import { WorkerHealthError } from '../../client/src/errors';
import type { ApiKeyRole } from '../../client/generated/graphql';

const STORAGE_KEY = 'worker-health.apiKey';

function storages(): Storage[] {
  const found: Storage[] = [];
  for (const name of ['localStorage', 'sessionStorage'] as const) {
    try {
      found.push(window[name]);
    } catch {
      // Storage switched off: the key lives in memory for this page only.
    }
  }
  return found;
}

export interface StoredKey {
  key: string;
  remembered: boolean;
}

export function loadKey(): StoredKey | null {
  const [local, session] = [safeGet('localStorage'), safeGet('sessionStorage')];
  if (local) return { key: local, remembered: true };
  if (session) return { key: session, remembered: false };
  return null;
}

function safeGet(name: 'localStorage' | 'sessionStorage'): string | null {
  try {
    return window[name].getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function saveKey(key: string, remember: boolean): void {
  forgetKey();
  try {
    (remember ? window.localStorage : window.sessionStorage).setItem(STORAGE_KEY, key);
  } catch {
    // Kept in memory only.
  }
}

export function forgetKey(): void {
  for (const storage of storages()) {
    try {
      storage.removeItem(STORAGE_KEY);
    } catch {
      // Nothing stored there.
    }
  }
}

/** The client for this page's own origin (the dashboard is served by the orchestrator). */
export function clientFor(key: string): WorkerHealthClient {
  return createWorkerHealthClient({ url: window.location.origin, apiKey: key, timeoutMs: 20_000 });
}

const RANK: Record<ApiKeyRole, number> = { VIEWER: 0, OPERATOR: 1, ADMIN: 2 };

export function roleAtLeast(role: ApiKeyRole, needed: ApiKeyRole): boolean {
  return RANK[role] >= RANK[needed];
}

/** A key the server no longer accepts (unknown or revoked): the page asks for another. */
export function isAuthFailure(error: unknown): boolean {
  return error instanceof WorkerHealthError && error.code === 'UNAUTHENTICATED';
}

/** One line for an error, for a person. */
export function describeError(error: unknown): string {
  if (error instanceof WorkerHealthError) {
    if (error.code === 'FORBIDDEN') return `Your key may not do that: ${error.message}`;
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
