import { describe, expect, it } from 'vitest';
import type { HealthCheckEvent } from '../../durable/graphql-ws/event';
import { matches } from '../../durable/graphql-ws/matching';
import { afterReplay, heldToSend, orderedStory, replaysToStart, runOf, sameSubscription } from '../../durable/graphql-ws/replay';
import { completedSub, readyState, updatedSub } from './helpers';

const RUN = 'hc-1';
const started: HealthCheckEvent = { type: 'STARTED', healthCheckUuid: RUN, sequence: 1 };
const result = (sequence: number): HealthCheckEvent => ({ type: 'WORKER_RESULT', healthCheckUuid: RUN, workerCheckUuid: `wc-${sequence}`, sequence });
const completed: HealthCheckEvent = { type: 'COMPLETED', healthCheckUuid: RUN, sequence: 4 };

describe('which new subscriptions get a catch-up', () => {
  it('those a transition added that watch one run, not every run nor the ends', () => {
    const before = readyState('viewer', { old: updatedSub(RUN) });
    const after = readyState('viewer', { old: updatedSub(RUN), one: updatedSub('hc-2'), all: updatedSub(null), ends: completedSub() });
    expect(replaysToStart(before, after)).toEqual([{ operationId: 'one', healthCheckUuid: 'hc-2' }]);
    expect(replaysToStart(after, after)).toEqual([]);
    expect(runOf(updatedSub(RUN))).toBe(RUN);
    expect(runOf(updatedSub(null))).toBeNull();
    expect(runOf(completedSub())).toBeNull();
  });
});

describe('the story and what was held back', () => {
  it('orders the story by sequence, each sequence once', () => {
    expect(orderedStory([result(3), started, result(2), result(3)])).toEqual([started, result(2), result(3)]);
  });

  it('sends of the held-back live events only those after the story, in sequence order', () => {
    const held = [3, 5, 2, 4].map((sequence) => ({ sequence, frame: `f${sequence}` }));
    expect(heldToSend(held, 3).map((next) => next.frame)).toEqual(['f4', 'f5']);
    expect(heldToSend(held, 0).map((next) => next.sequence)).toEqual([2, 3, 4, 5]);
    expect(heldToSend([], 9)).toEqual([]);
  });
});

describe('what a sent catch-up leaves', () => {
  const watching = updatedSub(RUN);

  it('keeps a live run operation, remembering the last sequence sent', () => {
    const state = readyState('viewer', { w: watching, other: updatedSub(null) });
    const outcome = afterReplay(state, 'w', watching, [started, result(2)]);
    expect(outcome).toEqual({ kind: 'live', after: 2, state: readyState('viewer', { w: { ...watching, after: 2 }, other: updatedSub(null) }) });
  });

  it('remembers 0 for a run it found nothing of', () => {
    expect(afterReplay(readyState('viewer', { w: watching }), 'w', watching, [])).toMatchObject({ kind: 'live', after: 0 });
  });

  it('ends the operation when the story ended with COMPLETED', () => {
    const outcome = afterReplay(readyState('viewer', { w: watching, other: completedSub() }), 'w', watching, [started, result(2), result(3), completed]);
    expect(outcome).toEqual({ kind: 'complete', state: readyState('viewer', { other: completedSub() }) });
  });

  it('leaves an operation completed or replaced meanwhile alone', () => {
    expect(afterReplay(readyState('viewer'), 'w', watching, [started])).toEqual({ kind: 'gone' });
    expect(afterReplay(readyState('viewer', { w: updatedSub('hc-2') }), 'w', watching, [started])).toEqual({ kind: 'gone' });
    expect(afterReplay(null, 'w', watching, [started])).toEqual({ kind: 'gone' });
    expect(sameSubscription(watching, { ...watching, after: 3 })).toBe(true);
    expect(sameSubscription(watching, updatedSub(RUN, { operationName: 'Named' }))).toBe(false);
  });
});

describe('live events after a catch-up', () => {
  it('match only when numbered after it; a subscription to every run is not concerned', () => {
    const caughtUp = { ...updatedSub(RUN), after: 2 };
    expect(matches(caughtUp, result(2))).toBe(false);
    expect(matches(caughtUp, started)).toBe(false);
    expect(matches(caughtUp, result(3))).toBe(true);
    expect(matches(updatedSub(RUN), result(2))).toBe(true); // no catch-up sent yet
    expect(matches({ ...updatedSub(null), after: 9 }, result(2))).toBe(true);
  });
});
