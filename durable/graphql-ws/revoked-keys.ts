/**
 * Closing a revoked key's sockets (the hub's `disconnectKey`), decided from the sockets' states
 * and the key names revoked lately.
 *
 * A socket authenticated with the key is closed at once. A socket whose `connection_init` is still
 * being checked has no key yet, and the key checked may predate the revocation; so the hub
 * remembers the names it was told about for a while and refuses such an init when its check comes
 * back. Only that window needs the memory, and it lasts a key lookup (at most the init timeout):
 * ten minutes is ample. The memory is the hub's, in memory only: an object with an init in flight
 * is not evicted.
 */
import { CloseCode } from 'graphql-ws';
import type { ConnectionState } from './connection-state';
import type { CloseInstruction } from './messages';

export const REVOKED_CLOSE: CloseInstruction = Object.freeze({ code: CloseCode.Forbidden, reason: 'Forbidden: the API key was revoked' });

/** How long a revoked key's name is remembered. */
export const REVOKED_KEY_MEMORY_MS = 10 * 60_000;

/** Key names revoked lately, each with when it was revoked (epoch ms). */
export type RevokedKeys = ReadonlyMap<string, number>;

/** The memory after `keyName` is revoked at `now`: the name added (or refreshed), expired ones forgotten. */
export function rememberRevokedKey(revoked: RevokedKeys, keyName: string, now: number): RevokedKeys {
  const kept = new Map<string, number>();
  for (const [name, at] of revoked) if (now - at <= REVOKED_KEY_MEMORY_MS) kept.set(name, at);
  kept.set(keyName, now);
  return kept;
}

export function revokedLately(revoked: RevokedKeys, keyName: string, now: number): boolean {
  const at = revoked.get(keyName);
  return at !== undefined && now - at <= REVOKED_KEY_MEMORY_MS;
}

/** Indexes into the given list of the sockets authenticated with `keyName`, to close with REVOKED_CLOSE. */
export function socketsOfKey(states: ReadonlyArray<ConnectionState | null>, keyName: string): number[] {
  const sockets: number[] = [];
  states.forEach((state, index) => {
    if (state?.auth?.keyName === keyName) sockets.push(index);
  });
  return sockets;
}

/**
 * Whether a transition out of `awaiting_init` authenticated a key revoked while it was being
 * checked: then the socket is closed with REVOKED_CLOSE instead of acknowledged.
 */
export function initRevokedMeanwhile(before: ConnectionState, after: ConnectionState, revoked: RevokedKeys, now: number): boolean {
  return before.phase === 'awaiting_init' && after.auth !== null && revokedLately(revoked, after.auth.keyName, now);
}
