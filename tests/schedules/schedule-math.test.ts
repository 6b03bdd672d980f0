import { describe, expect, it } from 'vitest';
import {
  CATCH_UP_GRACE_MS,
  canonicalTimeZone,
  cronExpressionProblem,
  firstDueInMinute,
  nextDue,
  planTick,
  previousDue,
} from '../../domain/schedule-math';

/** The next `count` due instants after `from`, as ISO strings. */
function dues(expression: string, zone: string, from: string, count: number) {
  const out: string[] = [];
  let cursor = new Date(from).getTime();
  for (let i = 0; i < count; i++) {
    const due = nextDue(expression, zone, cursor);
    if (!due) break;
    out.push(due.toISOString());
    cursor = due.getTime();
  }
  return out;
}

describe('due instants', () => {
  it('read five fields, or six with seconds first', () => {
    expect(dues('0 2 * * *', 'UTC', '2026-11-30T00:00:00Z', 2)).toEqual(['2026-11-30T02:00:00.000Z', '2026-12-01T02:00:00.000Z']);
    // The seed's example: second 0, every 4th minute, hours 9 to 17, Monday to Friday (2026-11-28 is a Saturday).
    expect(dues('0 */4 9-17 * * 1-5', 'UTC', '2026-11-28T00:00:00Z', 3)).toEqual(['2026-11-30T09:00:00.000Z', '2026-11-30T09:04:00.000Z', '2026-11-30T09:08:00.000Z']);
    expect(dues('0 */4 9-17 * * 1-5', 'UTC', '2026-11-30T17:55:00Z', 2)).toEqual(['2026-11-30T17:56:00.000Z', '2026-12-01T09:00:00.000Z']);
    expect(firstDueInMinute('30 0 2 * * *', 'UTC', new Date('2026-11-30T02:00:00Z'))?.toISOString()).toBe('2026-11-30T02:00:30.000Z');
    expect(firstDueInMinute('*/10 * * * * *', 'UTC', new Date('2026-11-30T02:00:42Z'))?.toISOString()).toBe('2026-11-30T02:00:00.000Z');
    expect(firstDueInMinute('0 2 * * *', 'UTC', new Date('2026-11-30T02:01:00Z'))).toBeNull();
  });

  it('read day-of-month and day-of-week as either, when both are restricted (Vixie cron)', () => {
    // The 1st of the month or a Monday.
    expect(dues('0 12 1 * 1', 'UTC', '2026-11-28T00:00:00Z', 3)).toEqual(['2026-11-30T12:00:00.000Z', '2026-12-01T12:00:00.000Z', '2026-12-07T12:00:00.000Z']);
  });

  it('are local times in the zone', () => {
    expect(dues('0 2 * * *', 'Asia/Tokyo', '2026-11-30T00:00:00Z', 1)).toEqual(['2026-11-30T17:00:00.000Z']);
    expect(dues('0 9 * * *', 'Asia/Kolkata', '2026-11-30T00:00:00Z', 1)).toEqual(['2026-11-30T03:30:00.000Z']);
  });

  it('run a skipped local time once, at the first instant after the gap (Europe/Berlin, 2026-03-29)', () => {
    expect(dues('30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // no 02:30 that day: 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    expect(dues('*/15 2 * * *', 'Europe/Berlin', '2026-03-29T00:00:00Z', 2)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:00:00.000Z']);
    expect(dues('*/30 * * * *', 'Europe/Berlin', '2026-03-29T00:00:00Z', 4)).toEqual([
      '2026-03-29T00:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-29T02:00:00.000Z',
    ]);
    expect(previousDue('30 2 * * *', 'Europe/Berlin', new Date('2026-03-29T01:10:00Z'))?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('run a repeated local time once, at its first occurrence (Europe/Berlin, 2026-10-25)', () => {
    expect(dues('30 2 * * *', 'Europe/Berlin', '2026-10-24T00:00:00Z', 3)).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    expect(dues('*/30 * * * *', 'Europe/Berlin', '2026-10-24T23:00:00Z', 5)).toEqual([
      '2026-10-24T23:30:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T02:30:00.000Z',
    ]);
    // From inside the second pass, the next is after it, and the previous is the first pass's last.
    expect(nextDue('* * * * * *', 'Europe/Berlin', new Date('2026-10-25T01:15:00Z'))?.toISOString()).toBe('2026-10-25T02:00:00.000Z');
    expect(previousDue('*/30 * * * *', 'Europe/Berlin', new Date('2026-10-25T01:15:00Z'))?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('follow each zone\'s own rules (America/New_York, Australia/Lord_Howe\'s half-hour shift)', () => {
    expect(dues('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 2)).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
    expect(dues('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    // Lord Howe goes from 02:00 +10:30 to 02:30 +11 on 2026-10-04: 02:15 does not exist.
    expect(dues('15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T12:00:00Z', 1)).toEqual(['2026-10-03T15:30:00.000Z']);
  });
});

describe('expressions and zones', () => {
  it.each([
    ['0 2 * * *', null],
    ['0 */4 9-17 * * 1-5', null],
    ['0 2 *', /5 fields .* has 3/],
    ['0 0 2 * * * 2027', /has 7/],
    ['0 24 * * *', /not a cron expression: .*hour/],
    ['0 0 31 2 *', /never fires/],
  ])('%s', (expression, problem) => {
    const found = cronExpressionProblem(expression);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  it('know IANA zones, spelled canonically, and nothing else', () => {
    expect(canonicalTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    for (const bad of ['Mars/Olympus_Mons', '+01:00', 'GMT+1 ', '', 'Europe/']) expect(canonicalTimeZone(bad), bad).toBeNull();
  });
});

describe('planTick', () => {
  const hourly = { cronExpression: '0 * * * *', timeZone: 'UTC', changedAt: new Date('2026-11-01T00:00:00Z') };
  const at = (iso: string) => new Date(iso);

  it('starts the minute\'s slot unless it is recorded', () => {
    expect(planTick({ ...hourly, tick: at('2026-11-30T02:00:00Z'), lastDueAt: at('2026-11-30T01:00:00Z') })).toEqual({ action: 'start', dueAt: at('2026-11-30T02:00:00Z'), catchUp: false, missed: 0 });
    expect(planTick({ ...hourly, tick: at('2026-11-30T02:00:40Z'), lastDueAt: at('2026-11-30T02:00:00Z') })).toEqual({ action: 'none' });
    expect(planTick({ ...hourly, tick: at('2026-11-30T02:30:00Z'), lastDueAt: at('2026-11-30T02:00:00Z') })).toEqual({ action: 'none' });
    // A late duplicate of an older tick never runs a slot older than one already recorded.
    expect(planTick({ ...hourly, tick: at('2026-11-30T02:00:00Z'), lastDueAt: at('2026-11-30T03:00:00Z') })).toEqual({ action: 'none' });
  });

  it('catches up the last missed slot once within the grace window, and records it as missed after', () => {
    const lastDueAt = at('2026-11-30T00:00:00Z');
    expect(planTick({ ...hourly, tick: at('2026-11-30T03:15:00Z'), lastDueAt })).toEqual({ action: 'start', dueAt: at('2026-11-30T03:00:00Z'), catchUp: true, missed: 3 });
    expect(planTick({ ...hourly, tick: at('2026-11-30T03:16:00Z'), lastDueAt })).toEqual({ action: 'missed', dueAt: at('2026-11-30T03:00:00Z'), missed: 3 });
    expect(planTick({ ...hourly, tick: at('2026-11-30T03:16:00Z'), lastDueAt, graceMs: 20 * 60_000 })).toMatchObject({ action: 'start', catchUp: true });
    expect(CATCH_UP_GRACE_MS).toBe(15 * 60_000);
  });

  it('never catches up a slot from before the schedule was created or changed', () => {
    expect(planTick({ ...hourly, changedAt: at('2026-11-30T03:05:00Z'), tick: at('2026-11-30T03:10:00Z'), lastDueAt: null })).toEqual({ action: 'none' });
    expect(planTick({ ...hourly, changedAt: at('2026-11-30T02:55:00Z'), tick: at('2026-11-30T03:10:00Z'), lastDueAt: null })).toMatchObject({ action: 'start', catchUp: true, missed: 1 });
  });
});
