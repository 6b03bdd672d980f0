/**
 * The connection-init timeout, decided from the sockets' states: a socket still awaiting
 * `connection_init` `timeoutMs` after it was accepted is closed with 4408. The hub runs this in
 * its alarm and sets the next alarm to `nextAlarmAt`.
 */
import { CloseCode } from 'graphql-ws';
import type { ConnectionState } from './connection-state';
import type { CloseInstruction } from './messages';

export const INIT_TIMEOUT_CLOSE: CloseInstruction = Object.freeze({
  code: CloseCode.ConnectionInitialisationTimeout,
  reason: 'Connection initialisation timeout',
});

/**
 * The close of the socket that waited longest for its `connection_init` when a hub at a cap makes
 * room for a new socket (upgrade.ts admitUpgrade): the same code, it too did not initialise in time.
 */
export const EVICTED_CLOSE: CloseInstruction = Object.freeze({
  code: CloseCode.ConnectionInitialisationTimeout,
  reason: 'Connection initialisation timeout: the hub needed room for a new connection',
});

export interface InitTimeoutPlan {
  /** Indexes into the given list of the sockets to close with INIT_TIMEOUT_CLOSE. */
  close: number[];
  /** When the next socket would time out (epoch ms), or null when none is waiting. */
  nextAlarmAt: number | null;
}

export function initDeadline(state: Pick<ConnectionState, 'connectedAt'>, timeoutMs: number): number {
  return state.connectedAt + timeoutMs;
}

export function planInitTimeouts(states: ReadonlyArray<ConnectionState | null>, now: number, timeoutMs: number): InitTimeoutPlan {
  const close: number[] = [];
  let nextAlarmAt: number | null = null;
  states.forEach((state, index) => {
    if (!state || state.phase !== 'awaiting_init') return;
    const deadline = initDeadline(state, timeoutMs);
    if (deadline <= now) close.push(index);
    else if (nextAlarmAt === null || deadline < nextAlarmAt) nextAlarmAt = deadline;
  });
  return { close, nextAlarmAt };
}

/**
 * Whether a new socket needs the alarm moved: when none is set, or the one set fires after this
 * socket's deadline. (A later alarm would leave the socket waiting too long; an earlier one just
 * reschedules itself.)
 */
export function shouldSetInitAlarm(currentAlarm: number | null, deadline: number): boolean {
  return currentAlarm === null || currentAlarm > deadline;
}
