import { describe, expect, it } from 'vitest';
import { initialConnectionState } from '../../durable/graphql-ws/connection-state';
import { INIT_TIMEOUT_CLOSE, planInitTimeouts, shouldSetInitAlarm } from '../../durable/graphql-ws/init-timeout';
import { readyState, T0 } from './helpers';

const TIMEOUT = 10_000;

describe('planInitTimeouts', () => {
  it('closes with 4408 "Connection initialisation timeout"', () => {
    expect(INIT_TIMEOUT_CLOSE).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
  });

  it('closes sockets still awaiting init once their time is up, and only those', () => {
    const states = [
      initialConnectionState(T0), // due at T0+10s
      initialConnectionState(T0 + 4_000), // due at T0+14s
      readyState(), // acknowledged long ago
      null, // an attachment the hub could not read
    ];
    expect(planInitTimeouts(states, T0 + 9_999, TIMEOUT)).toEqual({ close: [], nextAlarmAt: T0 + 10_000 });
    expect(planInitTimeouts(states, T0 + 10_000, TIMEOUT)).toEqual({ close: [0], nextAlarmAt: T0 + 14_000 });
    expect(planInitTimeouts(states, T0 + 60_000, TIMEOUT)).toEqual({ close: [0, 1], nextAlarmAt: null });
  });

  it('asks for no alarm when nobody is waiting', () => {
    expect(planInitTimeouts([readyState(), readyState('admin')], T0, TIMEOUT)).toEqual({ close: [], nextAlarmAt: null });
    expect(planInitTimeouts([], T0, TIMEOUT)).toEqual({ close: [], nextAlarmAt: null });
  });

  it('picks the earliest pending deadline whatever the order', () => {
    const states = [initialConnectionState(T0 + 3_000), initialConnectionState(T0 + 1_000), initialConnectionState(T0 + 2_000)];
    expect(planInitTimeouts(states, T0, TIMEOUT).nextAlarmAt).toBe(T0 + 11_000);
  });
});

describe('shouldSetInitAlarm', () => {
  it('sets the alarm when none is set or the set one is later than the new deadline', () => {
    expect(shouldSetInitAlarm(null, T0)).toBe(true);
    expect(shouldSetInitAlarm(T0 + 1, T0)).toBe(true);
    expect(shouldSetInitAlarm(T0, T0)).toBe(false);
    expect(shouldSetInitAlarm(T0 - 1, T0)).toBe(false);
  });
});
