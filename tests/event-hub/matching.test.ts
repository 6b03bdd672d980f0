import { describe, expect, it } from 'vitest';
import type { HealthCheckEvent } from '../../durable/graphql-ws/event';
import { matches } from '../../durable/graphql-ws/matching';
import { completedSub, updatedSub } from './helpers';

const started: HealthCheckEvent = { type: 'STARTED', healthCheckUuid: 'hc-1', sequence: 1 };
const workerResult: HealthCheckEvent = { type: 'WORKER_RESULT', healthCheckUuid: 'hc-1', workerCheckUuid: 'wc-1', sequence: 2 };
const completed: HealthCheckEvent = { type: 'COMPLETED', healthCheckUuid: 'hc-1', sequence: 3 };
const otherRun: HealthCheckEvent = { type: 'COMPLETED', healthCheckUuid: 'hc-2', sequence: 3 };

describe('matches', () => {
  it('healthCheckUpdated(uuid) matches every event of that run and no other run', () => {
    const sub = updatedSub('hc-1');
    expect([started, workerResult, completed, otherRun].map((event) => matches(sub, event))).toEqual([true, true, true, false]);
  });

  it('healthCheckUpdated with a null or absent uuid matches every run', () => {
    for (const sub of [updatedSub(null), { field: 'healthCheckUpdated', args: {} }]) {
      expect([started, workerResult, completed, otherRun].every((event) => matches(sub, event))).toBe(true);
    }
  });

  it('healthCheckCompleted matches COMPLETED events only, of any run', () => {
    const sub = completedSub();
    expect([started, workerResult, completed, otherRun].map((event) => matches(sub, event))).toEqual([false, false, true, true]);
  });

  it('an unknown field matches nothing', () => {
    expect(matches({ field: 'somethingElse', args: {} }, completed)).toBe(false);
  });

  it('compares uuids exactly', () => {
    expect(matches(updatedSub('HC-1'), started)).toBe(false);
    expect(matches(updatedSub(''), started)).toBe(false);
  });
});
