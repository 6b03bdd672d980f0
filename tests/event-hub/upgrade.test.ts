import { describe, expect, it } from 'vitest';
import { handleProtocols } from 'graphql-ws';
import { checkUpgradeRequest, countAwaitingInit, hubFullResponseInit, hubPendingFullResponseInit, refuseUpgrade } from '../../durable/graphql-ws/upgrade';
import { initialConnectionState } from '../../durable/graphql-ws/connection-state';
import { readyState, T0 } from './helpers';

const headers = (init: Record<string, string>) => new Headers(init);

describe('checkUpgradeRequest', () => {
  it('accepts a WebSocket upgrade offering graphql-transport-ws among others', () => {
    expect(checkUpgradeRequest(headers({ Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'graphql-transport-ws' }))).toEqual({
      ok: true,
      protocol: 'graphql-transport-ws',
    });
    expect(checkUpgradeRequest(headers({ Upgrade: 'WebSocket', 'Sec-WebSocket-Protocol': 'graphql-ws, graphql-transport-ws' })).ok).toBe(true);
  });

  it('answers 426 with an Upgrade header to a plain request', () => {
    const check = checkUpgradeRequest(headers({}));
    expect(check).toMatchObject({ ok: false, status: 426, headers: { Upgrade: 'websocket' } });
    expect(check.ok || check.body).toMatch(/Expected a WebSocket upgrade/);
  });

  it('answers 400 naming the expected subprotocol when it is not offered', () => {
    const none = checkUpgradeRequest(headers({ Upgrade: 'websocket' }));
    expect(none).toMatchObject({ ok: false, status: 400 });
    expect(none.ok || none.body).toBe('Unsupported WebSocket subprotocol: expected graphql-transport-ws (the graphql-ws protocol), none was offered\n');
    const legacy = checkUpgradeRequest(headers({ Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'graphql-ws' }));
    expect(legacy.ok || legacy.body).toMatch(/got graphql-ws$/m);
  });

  it('describes a full hub as a 503 to retry', () => {
    expect(hubFullResponseInit(1000)).toEqual({
      status: 503,
      body: 'This subscription hub is full (1000 connections); try again later\n',
      headers: { 'Retry-After': '5', 'Content-Type': 'text/plain; charset=utf-8' },
    });
  });

  it('describes a hub full of sockets awaiting connection_init as a 503 to retry', () => {
    expect(hubPendingFullResponseInit(100)).toEqual({
      status: 503,
      body: 'This subscription hub has too many connections awaiting connection_init (100); try again later\n',
      headers: { 'Retry-After': '5', 'Content-Type': 'text/plain; charset=utf-8' },
    });
  });

  it('accepts what graphql-ws chooses from the offered subprotocols, and nothing else', () => {
    for (const offered of ['graphql-transport-ws', ' graphql-ws , graphql-transport-ws ', 'graphql-ws', 'graphql-transport-wss', '', ',']) {
      const check = checkUpgradeRequest(headers({ Upgrade: 'websocket', 'Sec-WebSocket-Protocol': offered }));
      expect(check.ok ? check.protocol : false, offered).toBe(handleProtocols(offered));
    }
  });

  it('refuses a socket at the socket cap, or at the cap of sockets awaiting init, counting those only when it could matter', () => {
    const limits = { maxSockets: 10, maxPendingSockets: 4 };
    let counted = 0;
    const awaiting = (n: number) => () => {
      counted++;
      return n;
    };
    expect(refuseUpgrade(limits, 10, awaiting(0))).toEqual(hubFullResponseInit(10));
    expect(refuseUpgrade(limits, 3, awaiting(3))).toBeNull();
    expect(counted).toBe(0);
    expect(refuseUpgrade(limits, 6, awaiting(4))).toEqual(hubPendingFullResponseInit(4));
    expect(refuseUpgrade(limits, 6, awaiting(3))).toBeNull();
    expect(counted).toBe(2);
  });

  it('counts the sockets still awaiting connection_init', () => {
    expect(countAwaitingInit([])).toBe(0);
    expect(countAwaitingInit([initialConnectionState(T0), readyState(), null, initialConnectionState(T0 + 1), readyState('admin')])).toBe(2);
  });
});
