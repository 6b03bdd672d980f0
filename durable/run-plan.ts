/**
 * The run's Durable Object decisions, as pure functions: what to dispatch next, when to wake
 * up, and what a worker's answer to a dispatch means.
 *
 * Dispatch is crash-safe by one rule: the cursor (`dispatched`) moves past a batch only once
 * every send of the batch has settled, that is once each of its workers is `running` (202) or
 * `failed` in D1, or was no longer pending. Until then the alarm stays armed and the batch is the
 * next alarm's batch, so an object killed, evicted or redeployed at any instant of a batch
 * dispatches it again, and D1 says which of its workers still need it: those still `pending`.
 * A worker may so be dispatched twice (its answer came but was not recorded); never zero times.
 */
import { answeredMessage, notRespondingMessage } from '../domain/failure-messages';

/** Workers dispatched per alarm invocation: each invocation has its own subrequest budget. */
export const DISPATCH_BATCH_SIZE = 25;
/** Simultaneous dispatches within a batch (Workers allow six open connections at once). */
export const DISPATCH_CONCURRENCY = 6;
/** How long one worker may take to accept a dispatch. */
export const DISPATCH_TIMEOUT_MS = 10_000;
/**
 * Once everything is dispatched, how often the run checks whether it is complete anyway: a
 * result whose notification to this object was lost still ends the run within this, not at
 * its deadline.
 */
export const COMPLETION_CHECK_MS = 60_000;
/** How long to wait before retrying an alarm whose work failed (D1 unavailable, say). */
export const ALARM_RETRY_MS = 30_000;

export interface RunPlanState {
  /** Targets before this index have been dispatched and their answers recorded. */
  dispatched: number;
  total: number;
  timeoutAt: number;
  finished: boolean;
}

export type Wakeup =
  | { kind: 'dispatch'; from: number; to: number }
  | { kind: 'timeout' }
  | { kind: 'check-complete' }
  | { kind: 'idle' };

/**
 * What an alarm at `now` should do. The deadline wins over dispatching. A batch that an earlier
 * alarm began but did not settle is dispatched again: the cursor has not moved past it.
 */
export function onAlarm(state: RunPlanState, now: number): Wakeup {
  if (state.finished) return { kind: 'idle' };
  if (now >= state.timeoutAt) return { kind: 'timeout' };
  if (state.dispatched < state.total) {
    return { kind: 'dispatch', from: state.dispatched, to: Math.min(state.total, state.dispatched + DISPATCH_BATCH_SIZE) };
  }
  return { kind: 'check-complete' };
}

/**
 * When to wake next while the run is open: at once while workers wait to be dispatched, then
 * every COMPLETION_CHECK_MS until the deadline. Never null for an open run, so no branch can
 * leave it without an alarm.
 */
export function nextAlarmAt(state: RunPlanState, now: number): number | null {
  if (state.finished) return null;
  if (state.dispatched < state.total) return now;
  return Math.min(state.timeoutAt, now + COMPLETION_CHECK_MS);
}

/**
 * Of a batch, the targets to send, in order: those still pending in D1 in a run still running.
 * One already `running` or `failed` was answered by an earlier, interrupted attempt at the batch
 * (or a cancel came first), so it is not sent again.
 */
export function toSend<T extends { workerCheckUuid: string }>(batch: readonly T[], stillPending: ReadonlySet<string>): T[] {
  return batch.filter((target) => stillPending.has(target.workerCheckUuid));
}

/**
 * The cursor once every send of the batch [from, to) has settled. Never moves back, never past
 * the end.
 */
export function cursorAfterBatch(state: RunPlanState, batch: { from: number; to: number }): number {
  return Math.min(state.total, Math.max(state.dispatched, batch.to));
}

export type DispatchOutcome = { accepted: true } | { accepted: false; error: string };

/** A 202 means the worker took the job; anything else fails that worker at once. */
export function dispatchOutcome(workerName: string, answer: { status: number; body: string } | { error: unknown }): DispatchOutcome {
  if ('error' in answer) {
    const reason = answer.error instanceof Error ? answer.error.message : String(answer.error);
    return { accepted: false, error: notRespondingMessage(workerName, reason) };
  }
  if (answer.status === 202) return { accepted: true };
  // The analysis reads these messages back (domain/failure-causes.ts): one builder for both sides.
  return { accepted: false, error: answeredMessage(workerName, answer.status, answer.body) };
}

/**
 * Runs `task` over `items` with at most `limit` at once, in order of start. Settles only when
 * every lane has stopped: a failing task stops its lane (the others take its remaining items)
 * and its error is thrown once the rest are done, so nothing of a batch is still in flight when
 * the caller hears of it.
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  });
  const failed = (await Promise.allSettled(lanes)).find((lane) => lane.status === 'rejected');
  if (failed) throw failed.reason;
  return results;
}
