/**
 * The error messages the orchestrator writes into `worker_health_checks.error_message` when a
 * worker's check ends without a result, named once. The writers (the dispatch outcome, the deadline
 * time-out, cancel) build them with these functions, and the failure classifier
 * (domain/failure-causes.ts) reads them back with the parsers below, so a reworded message cannot
 * silently change a diagnosis.
 *
 * | cause                 | message                                                        |
 * |-----------------------|----------------------------------------------------------------|
 * | no answer to dispatch | `Worker <name> not responding: <reason>`                        |
 * | answered, not 202     | `Worker <name> answered <HTTP status>[: <body, 300 chars>]`     |
 * | deadline passed       | `No result before the deadline[ (<n> minutes)]: …`              |
 * | run cancelled         | `Cancelled before the worker reported.`                         |
 * | run never started     | `Not dispatched: the health check could not be started.`       |
 */

/** The phrase after the worker's name when its dispatch got no answer at all. */
export const NOT_RESPONDING_PHRASE = 'not responding';
/** The phrase after the worker's name when its dispatch got an answer other than 202. */
export const ANSWERED_PHRASE = 'answered';
/** How the message of a check that ran out of time starts. */
export const DEADLINE_PREFIX = 'No result before the deadline';
/** The message of a check whose run was cancelled before the worker reported. */
export const CANCELLED_MESSAGE = 'Cancelled before the worker reported.';
/** The message of a check whose run's Durable Object could not be started. */
export const NOT_DISPATCHED_MESSAGE = 'Not dispatched: the health check could not be started.';
/** The longest part of a worker's answer body kept in the message. */
export const ANSWER_DETAIL_MAX_CHARS = 300;

/** Messages of checks that did not fail on the worker's account: left out of histories and uptime. */
export const NOT_THE_WORKERS_FAULT_MESSAGES = [CANCELLED_MESSAGE, NOT_DISPATCHED_MESSAGE] as const;

export function notRespondingMessage(workerName: string, reason: string): string {
  return `Worker ${workerName} ${NOT_RESPONDING_PHRASE}: ${reason}`;
}

export function answeredMessage(workerName: string, httpStatus: number, body: string): string {
  const detail = body.trim().slice(0, ANSWER_DETAIL_MAX_CHARS);
  return `Worker ${workerName} ${ANSWERED_PHRASE} ${httpStatus}${detail ? `: ${detail}` : ''}`;
}

export function deadlineMessage(timeoutMinutes?: number): string {
  return `${DEADLINE_PREFIX}${timeoutMinutes ? ` (${timeoutMinutes} minutes)` : ''}: the worker may be slow, stuck or unable to reach the orchestrator.`;
}

export type ParsedFailureMessage =
  | { kind: 'not-responding'; reason: string | null }
  | { kind: 'answered'; httpStatus: number; detail: string | null }
  | { kind: 'deadline' }
  | { kind: 'cancelled' }
  | { kind: 'not-dispatched' };

const NOT_RESPONDING = new RegExp(`^Worker .+? ${NOT_RESPONDING_PHRASE}(?::\\s*([\\s\\S]*))?$`);
const ANSWERED = new RegExp(`^Worker .+? ${ANSWERED_PHRASE} (\\d{3})(?::\\s*([\\s\\S]*))?$`);

/** Which of the messages above `message` is, or null for any other text (a worker's own error). */
export function parseFailureMessage(message: string | null | undefined): ParsedFailureMessage | null {
  if (!message) return null;
  if (message === CANCELLED_MESSAGE) return { kind: 'cancelled' };
  if (message === NOT_DISPATCHED_MESSAGE) return { kind: 'not-dispatched' };
  if (message.startsWith(DEADLINE_PREFIX)) return { kind: 'deadline' };
  const answered = ANSWERED.exec(message);
  if (answered) return { kind: 'answered', httpStatus: Number(answered[1]), detail: answered[2]?.trim() || null };
  const silent = NOT_RESPONDING.exec(message);
  if (silent) return { kind: 'not-responding', reason: silent[1]?.trim() || null };
  return null;
}
