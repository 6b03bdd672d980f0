import { describe, expect, it } from 'vitest';
import { initialConnectionState } from '../../durable/graphql-ws/connection-state';
import {
  initRevokedMeanwhile,
  rememberRevokedKey,
  REVOKED_CLOSE,
  REVOKED_KEY_MEMORY_MS,
  revokedLately,
  socketsOfKey,
  type RevokedKeys,
} from '../../durable/graphql-ws/revoked-keys';
import { readyState, T0 } from './helpers';

const none: RevokedKeys = new Map();

describe('revoked keys', () => {
  it('closes with 4403 and says why', () => {
    expect(REVOKED_CLOSE).toEqual({ code: 4403, reason: 'Forbidden: the API key was revoked' });
  });

  it('remembers a revoked name for ten minutes, then forgets it', () => {
    const revoked = rememberRevokedKey(none, 'dashboard', T0);
    expect(REVOKED_KEY_MEMORY_MS).toBe(10 * 60_000);
    expect(revokedLately(revoked, 'dashboard', T0)).toBe(true);
    expect(revokedLately(revoked, 'dashboard', T0 + REVOKED_KEY_MEMORY_MS)).toBe(true);
    expect(revokedLately(revoked, 'dashboard', T0 + REVOKED_KEY_MEMORY_MS + 1)).toBe(false);
    expect(revokedLately(revoked, 'ops', T0)).toBe(false);
  });

  it('forgets expired names when it learns a new one, and refreshes a name revoked again', () => {
    const first = rememberRevokedKey(none, 'old', T0);
    const later = rememberRevokedKey(first, 'new', T0 + REVOKED_KEY_MEMORY_MS + 1);
    expect([...later.keys()]).toEqual(['new']);
    const again = rememberRevokedKey(rememberRevokedKey(none, 'k', T0), 'k', T0 + REVOKED_KEY_MEMORY_MS);
    expect(revokedLately(again, 'k', T0 + 2 * REVOKED_KEY_MEMORY_MS)).toBe(true);
    expect(first).toEqual(new Map([['old', T0]])); // the memory given is not changed
  });

  it("picks the sockets authenticated with the key, not those awaiting init or others' keys", () => {
    const viewer = readyState('viewer'); // keyName 'viewer-key'
    const states = [viewer, initialConnectionState(T0), readyState('admin'), null, { ...viewer }];
    expect(socketsOfKey(states, 'viewer-key')).toEqual([0, 4]);
    expect(socketsOfKey(states, 'nobody')).toEqual([]);
  });

  it('refuses an init whose key was revoked while it was being checked, and nothing else', () => {
    const awaiting = initialConnectionState(T0);
    const acknowledged = readyState('viewer');
    const revoked = rememberRevokedKey(none, 'viewer-key', T0);
    expect(initRevokedMeanwhile(awaiting, acknowledged, revoked, T0 + 1)).toBe(true);
    expect(initRevokedMeanwhile(awaiting, acknowledged, none, T0 + 1)).toBe(false);
    expect(initRevokedMeanwhile(awaiting, acknowledged, revoked, T0 + REVOKED_KEY_MEMORY_MS + 1)).toBe(false);
    // A socket already acknowledged is closed by disconnectKey itself, not here.
    expect(initRevokedMeanwhile(acknowledged, acknowledged, revoked, T0 + 1)).toBe(false);
    // An init that did not authenticate has no key to refuse.
    expect(initRevokedMeanwhile(awaiting, awaiting, revoked, T0 + 1)).toBe(false);
  });
});
