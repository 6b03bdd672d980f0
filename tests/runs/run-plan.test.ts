import { describe, expect, it } from 'vitest';
import { executeUrl } from '../../durable/health-check-run';
import { COMPLETION_CHECK_MS, DISPATCH_BATCH_SIZE, nextAlarmAt, onAlarm } from '../../durable/run-plan';

const T = 1_000_000;
const open = { dispatched: 0, total: 60, timeoutAt: T + 30 * 60_000, finished: false };

describe('the run object plan', () => {
  it('dispatches in batches, then checks for completion until the deadline, which wins', () => {
    expect(onAlarm(open, T)).toEqual({ kind: 'dispatch', from: 0, to: DISPATCH_BATCH_SIZE });
    expect(onAlarm({ ...open, dispatched: 50 }, T)).toEqual({ kind: 'dispatch', from: 50, to: 60 });
    expect(onAlarm({ ...open, dispatched: 60 }, T)).toEqual({ kind: 'check-complete' });
    expect(onAlarm({ ...open, dispatched: 10 }, open.timeoutAt)).toEqual({ kind: 'timeout' });
    expect(onAlarm({ ...open, finished: true }, open.timeoutAt)).toEqual({ kind: 'idle' });
  });

  it('always leaves an open run an alarm, and a finished one none', () => {
    expect(nextAlarmAt(open, T)).toBe(T);
    expect(nextAlarmAt({ ...open, dispatched: 60 }, T)).toBe(T + COMPLETION_CHECK_MS);
    expect(nextAlarmAt({ ...open, dispatched: 60 }, open.timeoutAt - 1000)).toBe(open.timeoutAt);
    expect(nextAlarmAt({ ...open, finished: true }, T)).toBeNull();
  });

  it('keeps the path of a worker URL when dispatching', () => {
    expect(executeUrl('https://host.example/billing').toString()).toBe('https://host.example/billing/health-check/execute');
    expect(executeUrl('https://host.example/').toString()).toBe('https://host.example/health-check/execute');
    expect(executeUrl('https://host.example').toString()).toBe('https://host.example/health-check/execute');
  });
});
