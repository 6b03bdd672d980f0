import { describe, expect, it } from 'vitest';
import { handleProtocols } from 'graphql-ws';
import { admitUpgrade, checkUpgradeRequest, countAwaitingInit, hubFullResponseInit, hubPendingFullResponseInit } from '../../durable/graphql-ws/upgrade';
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

  it('takes every socket below the caps without reading a state', () => {
    let read = 0;
    const states = () => {
      read++;
      return [];
    };
    expect(admitUpgrade({ maxSockets: 10, maxPendingSockets: 4, evictPendingAfterMs: 1000 }, 3, states, T0)).toEqual({ accept: true, evict: null });
    expect(read).toBe(0);
  });

  it('at the cap of sockets awaiting init, makes room by closing the one that waited longest, never one being checked', () => {
    const limits = { maxSockets: 10, maxPendingSockets: 3, evictPendingAfterMs: 1000 };
    const states = [readyState(), initialConnectionState(T0 + 20), initialConnectionState(T0 + 10), readyState('admin'), initialConnectionState(T0 + 30)];
    const now = T0 + 5000;
    expect(admitUpgrade(limits, states.length, () => states, now)).toEqual({ accept: true, evict: 2 });
    // the oldest is having its connection_init checked: the next oldest goes
    expect(admitUpgrade(limits, states.length, () => states, now, (index) => index === 2)).toEqual({ accept: true, evict: 1 });
    // all of them are: refused, and the router tries the next shard
    expect(admitUpgrade(limits, states.length, () => states, now, () => true)).toEqual({ accept: false, refusal: hubPendingFullResponseInit(3) });
    // below that cap, and below the socket cap: taken as they are
    expect(admitUpgrade(limits, 4, () => states.slice(0, 4), now)).toEqual({ accept: true, evict: null });
  });

  it('never closes a socket that connected less than evictPendingAfterMs ago: a burst of clients spreads over the shards instead', () => {
    const limits = { maxSockets: 10, maxPendingSockets: 3, evictPendingAfterMs: 1000 };
    const states = [initialConnectionState(T0), initialConnectionState(T0 + 400), initialConnectionState(T0 + 900)];
    expect(admitUpgrade(limits, 3, () => states, T0 + 999)).toEqual({ accept: false, refusal: hubPendingFullResponseInit(3) });
    expect(admitUpgrade(limits, 3, () => states, T0 + 1000)).toEqual({ accept: true, evict: 0 });
    expect(admitUpgrade(limits, 3, () => states, T0 + 1000, (index) => index === 0)).toEqual({ accept: false, refusal: hubPendingFullResponseInit(3) });
    expect(admitUpgrade(limits, 3, () => states, T0 + 1400, (index) => index === 0)).toEqual({ accept: true, evict: 1 });
  });

  it('at the socket cap, makes room the same way, and refuses only a hub whose sockets are all authenticated', () => {
    const limits = { maxSockets: 3, maxPendingSockets: 3, evictPendingAfterMs: 1000 };
    const now = T0 + 5000;
    const someWaiting = [readyState(), initialConnectionState(T0), readyState()];
    expect(admitUpgrade(limits, 3, () => someWaiting, now)).toEqual({ accept: true, evict: 1 });
    const allReady = [readyState(), readyState('operator'), readyState('admin')];
    expect(admitUpgrade(limits, 3, () => allReady, now)).toEqual({ accept: false, refusal: hubFullResponseInit(3) });
    expect(admitUpgrade(limits, 3, () => someWaiting, now, () => true)).toEqual({ accept: false, refusal: hubFullResponseInit(3) });
  });

  it('counts the sockets still awaiting connection_init', () => {
    expect(countAwaitingInit([])).toBe(0);
    expect(countAwaitingInit([initialConnectionState(T0), readyState(), null, initialConnectionState(T0 + 1), readyState('admin')])).toBe(2);
  });
});
