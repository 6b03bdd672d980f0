/**
 * Catch-up: a `healthCheckUpdated(uuid)` subscriber gets its run's whole story wherever it joins.
 *
 * The hub stores the subscription first (so every publish arriving from then on is planned for
 * it), then reads the story so far from D1 (SubscriptionExecutor.history), executes the stored
 * document once per past event and sends those `next`s in sequence order. Live events for the
 * operation that are ready while this runs are held back, not sent. When the catch-up is sent, the
 * operation remembers the last sequence it sent (`after`); of the held-back events only those
 * numbered after it go out, in sequence order, and so do later ones (matching.ts).
 *
 * No gap: an event D1 had when the story was read is in the catch-up; one written later was
 * published later still, so after the subscription was stored, and reaches it live. No duplicate:
 * an event in both is at or below `after`. A story that already ends with COMPLETED is the whole
 * run: it is sent, then `complete`, and the operation is done.
 *
 * Pure decisions; the hub (event-hub.ts) runs them.
 */
import type { ConnectionState, StoredSubscription } from './connection-state';
import type { HealthCheckEvent } from './event';

export interface ReplayTarget {
  operationId: string;
  healthCheckUuid: string;
}

/** Whether a stored subscription watches one run, so that a new one of it gets a catch-up. */
export function runOf(subscription: Pick<StoredSubscription, 'field' | 'args'>): string | null {
  if (subscription.field !== 'healthCheckUpdated') return null;
  const uuid = subscription.args.uuid;
  return typeof uuid === 'string' ? uuid : null;
}

/** The subscriptions a transition added that watch one run: each needs its catch-up. */
export function replaysToStart(before: ConnectionState, after: ConnectionState): ReplayTarget[] {
  if (before.subscriptions === after.subscriptions) return [];
  const targets: ReplayTarget[] = [];
  for (const [operationId, subscription] of Object.entries(after.subscriptions)) {
    if (Object.hasOwn(before.subscriptions, operationId)) continue;
    const healthCheckUuid = runOf(subscription);
    if (healthCheckUuid !== null) targets.push({ operationId, healthCheckUuid });
  }
  return targets;
}

/** A story as the executor read it, in order, and each sequence once (a defensive copy). */
export function orderedStory(story: readonly HealthCheckEvent[]): HealthCheckEvent[] {
  const seen = new Set<number>();
  return [...story]
    .sort((a, b) => a.sequence - b.sequence)
    .filter((event) => {
      if (seen.has(event.sequence)) return false;
      seen.add(event.sequence);
      return true;
    });
}

export interface HeldNext {
  sequence: number;
  frame: string;
}

/** Of the live `next`s held back during a catch-up, those to send after it: newer, in order. */
export function heldToSend(held: readonly HeldNext[], after: number): HeldNext[] {
  return held.filter((next) => next.sequence > after).sort((a, b) => a.sequence - b.sequence);
}

export type ReplayOutcome =
  /** The operation is gone or was replaced meanwhile: nothing more for it. */
  | { kind: 'gone' }
  /** The run is not over: the operation stays, with `after`. */
  | { kind: 'live'; state: ConnectionState; after: number }
  /** The story ended with COMPLETED: the operation is done (send `complete`). */
  | { kind: 'complete'; state: ConnectionState };

/**
 * What a sent catch-up leaves: the socket's next state. `subscription` is the one the catch-up was
 * for (the operation must still hold the very same document and arguments).
 */
export function afterReplay(
  state: ConnectionState | null,
  operationId: string,
  subscription: StoredSubscription,
  story: readonly HealthCheckEvent[],
): ReplayOutcome {
  if (!state || state.phase !== 'ready' || !Object.hasOwn(state.subscriptions, operationId)) return { kind: 'gone' };
  const current = state.subscriptions[operationId]!;
  if (!sameSubscription(current, subscription)) return { kind: 'gone' };
  if (story.some((event) => event.type === 'COMPLETED')) {
    const { [operationId]: _done, ...rest } = state.subscriptions;
    return { kind: 'complete', state: { ...state, subscriptions: rest } };
  }
  const after = story.reduce((last, event) => Math.max(last, event.sequence), 0);
  return { kind: 'live', after, state: { ...state, subscriptions: { ...state.subscriptions, [operationId]: { ...current, after } } } };
}

/** The same stored document, variables, operation name and arguments. */
export function sameSubscription(a: StoredSubscription, b: StoredSubscription): boolean {
  return (
    a.query === b.query &&
    a.field === b.field &&
    a.operationName === b.operationName &&
    JSON.stringify(a.variables) === JSON.stringify(b.variables) &&
    JSON.stringify(a.args) === JSON.stringify(b.args)
  );
}
