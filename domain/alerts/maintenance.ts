// Maintenance windows: when one is on, and whom it covers. Pure; recurring windows use the
// schedules' cron and time-zone arithmetic (domain/schedule-math.ts), so a window "0 2 * * 0" for
// 120 minutes in Europe/Berlin is 02:00–04:00 Berlin time every Sunday, across daylight saving.
import { nextDue, previousDue } from '../schedule-math';

export interface WindowSpec {
  name: string;
  /** Worker names or types; the whole fleet (every worker and the fleet score) when empty. */
  workerFilters: readonly string[];
  startsAt: Date | null;
  endsAt: Date | null;
  cronExpression: string | null;
  durationMinutes: number | null;
  timeZone: string;
}

const MINUTE = 60_000;

/** The occurrence of a window that `at` falls in, as [start, end), or null when it is off then. */
export function occurrenceAt(window: WindowSpec, at: Date): { start: Date; end: Date } | null {
  const instant = at.getTime();
  if (window.startsAt && window.endsAt) {
    return instant >= window.startsAt.getTime() && instant < window.endsAt.getTime() ? { start: window.startsAt, end: window.endsAt } : null;
  }
  if (!window.cronExpression || !window.durationMinutes) return null;
  // The latest start at or before `at` (a later start's occurrence always ends later than an
  // earlier one's, so it is the only one that can still be on).
  let start: Date | null;
  try {
    start = previousDue(window.cronExpression, window.timeZone, instant + 1000);
  } catch {
    return null; // a hand-edited row that no longer parses
  }
  if (!start) return null;
  const end = new Date(start.getTime() + window.durationMinutes * MINUTE);
  return instant < end.getTime() ? { start, end } : null;
}

export const isActiveAt = (window: WindowSpec, at: Date) => occurrenceAt(window, at) !== null;

/** When the window next starts after `after` (null for a one-off window already started). */
export function nextStart(window: WindowSpec, after: Date): Date | null {
  if (window.startsAt) return window.startsAt.getTime() > after.getTime() ? window.startsAt : null;
  if (!window.cronExpression) return null;
  try {
    return nextDue(window.cronExpression, window.timeZone, after);
  } catch {
    return null;
  }
}

/** Whether a window covers a worker (by name or type), or the fleet (only a whole-fleet window does). */
export function covers(window: Pick<WindowSpec, 'workerFilters'>, subject: { workerName: string; workerType: string | null } | 'fleet'): boolean {
  if (window.workerFilters.length === 0) return true;
  if (subject === 'fleet') return false;
  return window.workerFilters.some((filter) => filter === subject.workerName || filter === subject.workerType);
}

/** The first window (by name) covering `subject` that is on at `at`, or null. */
export function maintenanceAt(
  windows: readonly WindowSpec[],
  subject: { workerName: string; workerType: string | null } | 'fleet',
  at: Date,
): string | null {
  const on = windows.filter((window) => covers(window, subject) && isActiveAt(window, at)).map((window) => window.name);
  return on.length > 0 ? on.sort()[0]! : null;
}
