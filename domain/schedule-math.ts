// When schedules are due: pure functions of a cron expression, an IANA time zone and instants.
// No I/O, no clock: every function takes the instants it reasons about.
//
// ## Expressions
//
// Five fields (`minute hour day-of-month month day-of-week`), or six with seconds first (`second
// minute hour …`), parsed by croner. Day-of-week 0 and 7 are Sunday; when both day-of-month and
// day-of-week are restricted a day matching either fires (Vixie cron's rule, croner's default
// `domAndDow: false`; its older `legacyMode` option is deprecated). The seed's
// `0 */4 9-17 * * 1-5` therefore reads: second 0 of every 4th minute, 09:00 to 17:56, Monday to
// Friday.
//
// ## Minutes are the unit of firing
//
// The orchestrator's cron trigger ticks once a minute. A schedule fires in the tick of every minute
// that contains at least one of its due instants (a seconds field picks the minute: `30 0 2 * * *`
// fires in the 02:00 tick), once per minute however many due seconds it holds. Such a minute is a
// *slot*, identified by the first due instant in it (`firstDueInMinute`), which is the key a run is
// recorded under.
//
// ## Time zones and daylight saving
//
// An expression describes local wall-clock times in its zone. Each matching local time fires once:
//
// - a local time that occurs twice (the repeated hour when clocks go back) fires at its first
//   occurrence only, so the repeated hour is not run again;
// - a local time that does not exist (the hour skipped when clocks go forward) fires at the first
//   valid instant after the gap (the transition itself, e.g. 03:00 local), and all the skipped
//   times of one gap collapse into that one instant, so the skipped hour runs once.
//
// croner's own `timezone` option is not used for this: it moves a skipped time by the length of
// the gap (02:30 → 03:30, so `*/15 2 * * *` would fire four times) and, in 10.0.1, its `nextRuns`
// went back in time across a gap. Here croner matches wall-clock times in UTC (where no hour is
// skipped or repeated) and the mapping from wall-clock times to instants is done below with
// `Intl.DateTimeFormat`.
import { Cron } from 'croner';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A missed due time is caught up (one run) if the tick comes at most this long after it. */
export const CATCH_UP_GRACE_MINUTES = 15;
export const CATCH_UP_GRACE_MS = CATCH_UP_GRACE_MINUTES * MINUTE;

/** Safety bound on the candidates one search looks at (a repeated hour of an every-second schedule is 3,600). */
const MAX_STEPS = 10_000;
/** How many missed slots are counted at most, for the log line. */
export const MAX_COUNTED_MISSES = 1_000;

const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;
export const minuteOf = (instant: Date | number) => floorTo(typeof instant === 'number' ? instant : instant.getTime(), MINUTE);

// ── Expressions ────────────────────────────────────────────────────────────────────────────────

/** Why an expression is refused, or null when it is a five- or six-field expression that fires. */
export function cronExpressionProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5 && fields.length !== 6) {
    return `cronExpression must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; "${expression}" has ${fields.length}`;
  }
  let cron: Cron;
  try {
    cron = wallClock(expression);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    return `cronExpression "${expression}" is not a cron expression: ${reason}`;
  }
  if (!cron.nextRun(new Date(0))) return `cronExpression "${expression}" never fires`;
  return null;
}

/**
 * croner over wall-clock times, which are represented as if they were UTC instants (`utcOffset: 0`
 * is croner's fixed-offset mode: no time-zone database lookups, many times faster than
 * `timezone: 'UTC'`). Parsed patterns are kept, since a tick asks about the same few again and again.
 */
const patterns = new Map<string, Cron>();
function wallClock(expression: string): Cron {
  const key = expression.trim();
  let cron = patterns.get(key);
  if (!cron) {
    cron = new Cron(key, { utcOffset: 0, paused: true });
    if (patterns.size >= 500) patterns.delete(patterns.keys().next().value!);
    patterns.set(key, cron);
  }
  return cron;
}

// ── Zones ──────────────────────────────────────────────────────────────────────────────────────

/** IANA names look like Area/Location (or UTC, EST…); offsets such as "+01:00" are not zones. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * The canonical spelling of an IANA time zone (`europe/berlin` → `Europe/Berlin`), or null when the
 * runtime's time-zone database does not know it.
 */
export function canonicalTimeZone(zone: string): string | null {
  const name = zone.trim();
  if (!ZONE_NAME.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

const isUtc = (zone: string) => zone === 'UTC' || zone === 'Etc/UTC';

/** The local wall-clock time of an instant, as a UTC-like millisecond count. */
export function wallTimeOf(zone: string, instant: number): number {
  if (isUtc(zone)) return instant;
  const whole = floorTo(instant, SECOND);
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(new Date(whole))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall + (instant - whole);
}

const offsetAt = (zone: string, instant: number) => wallTimeOf(zone, instant) - instant;

/** The first instant in (before, after] whose offset is `offset` (before has another one). */
function transitionBetween(zone: string, before: number, after: number, offset: number): number {
  let low = before;
  let high = after;
  while (high - low > SECOND) {
    const middle = low + floorTo((high - low) / 2, SECOND);
    if (offsetAt(zone, middle) === offset) high = middle;
    else low = middle;
  }
  return high;
}

/**
 * The instant a matching wall-clock time fires at: its only occurrence; the first of two (clocks
 * went back); or, when it does not exist (clocks went forward), the first instant after the gap.
 */
export function instantOfWallTime(zone: string, wall: number): number {
  if (isUtc(zone)) return wall;
  const offsetBefore = offsetAt(zone, wall - DAY);
  const offsetAfter = offsetAt(zone, wall + DAY);
  const occurrences = [wall - offsetBefore, wall - offsetAfter].filter((instant) => wallTimeOf(zone, instant) === wall);
  if (occurrences.length > 0) return Math.min(...occurrences);
  if (offsetBefore === offsetAfter) return wall - offsetBefore; // no transition near: cannot happen
  // A gap: the old offset gives an instant already past it, the new one an instant before it.
  const early = wall - Math.max(offsetBefore, offsetAfter);
  const late = wall - Math.min(offsetBefore, offsetAfter);
  return transitionBetween(zone, early, late, offsetAfter);
}

// ── Due instants ───────────────────────────────────────────────────────────────────────────────

/** The first due instant strictly after `after` (whole seconds), or null if it never fires again. */
export function nextDue(expression: string, zone: string, after: Date | number): Date | null {
  const cron = wallClock(expression);
  const from = floorTo(typeof after === 'number' ? after : after.getTime(), SECOND);
  let wall = wallTimeOf(zone, from);
  for (let step = 0; step < MAX_STEPS; step++) {
    const next = cron.nextRun(new Date(wall));
    if (!next) return null;
    wall = next.getTime();
    const instant = instantOfWallTime(zone, wall);
    if (instant > from) return new Date(instant);
    // A repeated wall time whose first occurrence is already past (we are in the second pass of
    // a repeated hour): skip to the end of the repetition, where wall times are unique again.
    const offsetBefore = offsetAt(zone, wall - DAY);
    const offsetAfter = offsetAt(zone, wall + DAY);
    if (offsetBefore > offsetAfter) {
      const transition = transitionBetween(zone, instant, instant + (offsetBefore - offsetAfter), offsetAfter);
      wall = Math.max(wall, transition + offsetBefore - SECOND);
    }
  }
  return null;
}

/** The latest due instant strictly before `before`, or null if there is none. */
export function previousDue(expression: string, zone: string, before: Date | number): Date | null {
  const cron = wallClock(expression);
  const limit = typeof before === 'number' ? before : before.getTime();
  const last = Math.ceil(limit / SECOND) * SECOND - SECOND; // the last whole second before `before`
  // The latest wall time reached before `before`: normally that of `last`, but just after clocks
  // went back it is the wall time just before they did.
  let latestWall = wallTimeOf(zone, last);
  const offsetThen = offsetAt(zone, last - 3 * HOUR);
  const offsetNow = offsetAt(zone, last);
  if (offsetThen > offsetNow) {
    const transition = transitionBetween(zone, last - 3 * HOUR, last, offsetNow);
    latestWall = Math.max(latestWall, transition - SECOND + offsetThen);
  }
  let wall = latestWall + SECOND;
  for (let step = 0; step < MAX_STEPS; step++) {
    const previous = cron.previousRuns(1, new Date(wall))[0];
    if (!previous) return null;
    wall = previous.getTime();
    const instant = instantOfWallTime(zone, wall);
    if (instant <= last) return new Date(instant);
  }
  return null;
}

/** The first due instant within the minute containing `minute`, or null if it is not due then. */
export function firstDueInMinute(expression: string, zone: string, minute: Date | number): Date | null {
  const start = minuteOf(minute);
  const due = nextDue(expression, zone, start - 1);
  return due && due.getTime() < start + MINUTE ? due : null;
}

/** How many slots (minutes with a due instant) lie strictly between `after` and `before`, up to `cap`. */
export function countDueMinutes(expression: string, zone: string, after: number, before: number, cap = MAX_COUNTED_MISSES): number {
  let count = 0;
  let cursor = after;
  while (count < cap) {
    const due = nextDue(expression, zone, cursor);
    if (!due || due.getTime() >= before) break;
    count++;
    cursor = minuteOf(due) + MINUTE - 1; // on to the next minute
  }
  return count;
}

// ── One tick ───────────────────────────────────────────────────────────────────────────────────

export interface TickInput {
  cronExpression: string;
  timeZone: string;
  /** The cron trigger's scheduled time. */
  tick: Date;
  /** The latest slot already recorded for this schedule (run, failed to start or missed); null if none. */
  lastDueAt: Date | null;
  /** When the schedule was created or last changed: due times before it are never caught up. */
  changedAt: Date | null;
  graceMs?: number;
}

export type TickPlan =
  | {
      action: 'start';
      /** The slot's key: the first due instant of the minute it is run for. */
      dueAt: Date;
      /** True when the slot is an earlier minute (downtime), run late as the one catch-up run. */
      catchUp: boolean;
      /** Slots between the last recorded one and this tick that were not run (this one excluded when on time). */
      missed: number;
    }
  | { action: 'missed'; dueAt: Date; missed: number }
  | { action: 'none' };

/**
 * What one tick does for one enabled schedule.
 *
 * - Due in this tick's minute (and that minute not already recorded): start it. Slots missed
 *   before it (downtime) are not run separately: this run stands for them.
 * - Otherwise, if its latest due time before this minute was not recorded (the tick that should
 *   have run it never came) and lies after `changedAt`: start ONE catch-up run for it when it is at
 *   most the grace window old, or record it as missed when it is older. Earlier misses are never
 *   run one by one.
 * - Otherwise nothing.
 *
 * The caller records the returned slot under a unique key (schedule, dueAt) before starting
 * anything, so concurrent ticks agree on one winner.
 */
export function planTick(input: TickInput): TickPlan {
  const { cronExpression: expression, timeZone: zone, tick } = input;
  const grace = input.graceMs ?? CATCH_UP_GRACE_MS;
  const minute = minuteOf(tick);
  const lastSlot = input.lastDueAt ? minuteOf(input.lastDueAt) : null;
  // Due times up to this bound were recorded, or came before the schedule (as it is) existed.
  const boundary = Math.max(lastSlot === null ? -Infinity : lastSlot + MINUTE - 1, input.changedAt ? input.changedAt.getTime() - 1 : -Infinity);
  const missedBefore = (end: number) => (Number.isFinite(boundary) ? countDueMinutes(expression, zone, boundary, end) : 0);

  const current = firstDueInMinute(expression, zone, minute);
  if (current) {
    if (lastSlot !== null && lastSlot >= minute) return { action: 'none' }; // recorded (or a later one is)
    return { action: 'start', dueAt: current, catchUp: false, missed: missedBefore(minute) };
  }

  const previous = previousDue(expression, zone, minute);
  if (!previous) return { action: 'none' };
  const previousSlot = minuteOf(previous);
  if (lastSlot !== null && previousSlot <= lastSlot) return { action: 'none' };
  if (input.changedAt && previous.getTime() < input.changedAt.getTime()) return { action: 'none' };
  const dueAt = firstDueInMinute(expression, zone, previousSlot) ?? previous;
  const missed = Math.max(1, missedBefore(minute));
  if (tick.getTime() - dueAt.getTime() <= grace) return { action: 'start', dueAt, catchUp: true, missed };
  return { action: 'missed', dueAt, missed };
}
