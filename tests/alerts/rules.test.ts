/** The pure decisions (domain/alerts): rules, flapping, suppression, maintenance windows, backoff, formats. */
import { describe, expect, it } from 'vitest';
import { judgeAttempt, parseRetryAfter, retryDelaySeconds } from '../../domain/alerts/backoff';
import { discordMessage, pagerDutyEvent, slackMessage } from '../../domain/alerts/channel-formats';
import { ancestorsOf, cycleThrough } from '../../domain/alerts/dependencies';
import { covers, isActiveAt, maintenanceAt, nextStart, type WindowSpec } from '../../domain/alerts/maintenance';
import { buildNotification, recommendationTexts, testNotification } from '../../domain/alerts/notification';
import { evaluateRule, isBad, stateChanges, workerSubject, type RuleSpec, type SubjectCheck, type SubjectState, type UnresolvedAlert } from '../../domain/alerts/rules';
import { healthStatusFor } from '../../domain/health-status';
import { discordMessageSchema, pagerDutyEventSchema, slackMessageSchema, webhookPayloadSchema } from '../workers/alert-receiver';

const RULE: RuleSpec = { id: 1, name: 'r', openAt: 'degraded', scoreBelow: null, failureThreshold: 2, successThreshold: 2, reminderMinutes: null, flapWindow: 10, flapThreshold: 4 };
const T0 = Date.parse('2026-12-01T12:00:00Z');

/** Checks from scores, oldest first (as one reads them), stored newest first. */
function history(...scores: number[]): SubjectCheck[] {
  return scores
    .map((score, i) => ({ healthCheckUuid: `run-${i + 1}`, score, healthStatus: healthStatusFor(score), at: new Date(T0 + i * 60_000), recommendations: [] }))
    .reverse();
}

function worker(name: string, scores: number[], extra: Partial<SubjectState> = {}): SubjectState {
  const checks = history(...scores);
  return { subject: workerSubject(name), workerName: name, dependsOn: [], history: checks, maintenance: null, decide: true, ...extra };
}

const alertOf = (name: string, extra: Partial<UnresolvedAlert> = {}): UnresolvedAlert => ({
  id: 7,
  subject: workerSubject(name),
  status: 'open',
  flapping: false,
  lastNotifiedAt: new Date(T0),
  version: 3,
  affectedWorkers: [],
  ...extra,
});

const actions = (decisions: ReturnType<typeof evaluateRule>) => decisions.map((d) => [d.action, 'alert' in d ? d.alert.subject : d.subject]);

const GOOD = 1;
const DEGRADED = 0.8;
const DOWN = 0;

describe('bad and good', () => {
  it('reads openAt as "that status or worse", and scoreBelow instead when given', () => {
    const at = (score: number) => ({ score, healthStatus: healthStatusFor(score) });
    expect([1, 0.85, 0.5, 0.1].map((s) => isBad(at(s), RULE))).toEqual([false, true, true, true]);
    expect([1, 0.85, 0.5, 0.1].map((s) => isBad(at(s), { openAt: 'unhealthy', scoreBelow: null }))).toEqual([false, false, true, true]);
    expect([1, 0.85, 0.5, 0.1].map((s) => isBad(at(s), { openAt: 'critical', scoreBelow: null }))).toEqual([false, false, false, true]);
    expect([1, 0.95, 0.94, 0.1].map((s) => isBad(at(s), { openAt: null, scoreBelow: 0.95 }))).toEqual([false, false, true, true]);
  });
});

describe('hysteresis', () => {
  it('opens after failureThreshold bad checks in a row, not before', () => {
    expect(evaluateRule(RULE, [worker('a', [GOOD, DEGRADED])], [])).toEqual([]);
    expect(evaluateRule(RULE, [worker('a', [DEGRADED, GOOD, DEGRADED])], [])).toEqual([]);
    expect(actions(evaluateRule(RULE, [worker('a', [GOOD, DEGRADED, DOWN])], []))).toEqual([['open', 'worker:a']]);
  });

  it('resolves after successThreshold good checks, and only refreshes the alert in between', () => {
    expect(actions(evaluateRule(RULE, [worker('a', [DOWN, DOWN, GOOD])], [alertOf('a')]))).toEqual([['refresh', 'worker:a']]);
    expect(actions(evaluateRule(RULE, [worker('a', [DOWN, DOWN, GOOD, GOOD])], [alertOf('a')]))).toEqual([['resolve', 'worker:a']]);
  });

  it('reminds while open and not acknowledged, once reminderMinutes have passed between checks', () => {
    const rule = { ...RULE, reminderMinutes: 2 };
    // The latest check is 2 minutes after the last notification (T0): due.
    expect(actions(evaluateRule(rule, [worker('a', [DOWN, DOWN, DOWN])], [alertOf('a')]))).toEqual([['remind', 'worker:a']]);
    expect(actions(evaluateRule(rule, [worker('a', [DOWN, DOWN])], [alertOf('a')]))).toEqual([['refresh', 'worker:a']]);
    expect(actions(evaluateRule(rule, [worker('a', [DOWN, DOWN, DOWN])], [alertOf('a', { status: 'acknowledged' })]))).toEqual([['refresh', 'worker:a']]);
    expect(actions(evaluateRule(RULE, [worker('a', [DOWN, DOWN, DOWN])], [alertOf('a')]))).toEqual([['refresh', 'worker:a']]);
  });

  it('acts only on subjects whose latest check is from the run evaluated', () => {
    expect(evaluateRule(RULE, [worker('a', [DOWN, DOWN], { decide: false })], [])).toEqual([]);
  });
});

describe('flapping', () => {
  const rule = { ...RULE, flapWindow: 6, flapThreshold: 3 };
  it('counts state changes between consecutive checks in the window', () => {
    expect(stateChanges([true, false, true, false], 10)).toBe(3);
    expect(stateChanges([true, false, true, false], 2)).toBe(1);
    expect(stateChanges([true, true, true], 10)).toBe(0);
  });

  it('opens one flapping alert for a worker that never stays bad long enough to open normally', () => {
    expect(evaluateRule(rule, [worker('a', [DOWN, GOOD, DOWN, GOOD])], [])).toEqual([]);
    const [decision] = evaluateRule(rule, [worker('a', [DOWN, GOOD, DOWN, GOOD, DOWN])], []);
    expect(decision).toMatchObject({ action: 'open', flapping: true, changes: 4 });
  });

  it('turns an open alert flapping, stays quiet while it flaps, then settles', () => {
    expect(actions(evaluateRule(rule, [worker('a', [DOWN, DOWN, GOOD, DOWN, GOOD, DOWN])], [alertOf('a')]))).toEqual([['flapping', 'worker:a']]);
    const flapping = alertOf('a', { flapping: true });
    expect(actions(evaluateRule(rule, [worker('a', [DOWN, GOOD, DOWN, GOOD, DOWN, GOOD])], [flapping]))).toEqual([['refresh', 'worker:a']]);
    // At most half the threshold (1) change left in the window: settled, still bad.
    const [settled] = evaluateRule(rule, [worker('a', [GOOD, DOWN, DOWN, DOWN, DOWN, DOWN])], [flapping]);
    expect(settled).toMatchObject({ action: 'settled', bad: true });
    // Settled and good for successThreshold checks: resolved.
    expect(actions(evaluateRule(rule, [worker('a', [DOWN, GOOD, GOOD, GOOD, GOOD, GOOD])], [flapping]))).toEqual([['resolve', 'worker:a']]);
  });

  it('is off with flapThreshold 0', () => {
    expect(evaluateRule({ ...rule, flapThreshold: 0 }, [worker('a', [DOWN, GOOD, DOWN, GOOD, DOWN, GOOD, DOWN])], [])).toEqual([]);
  });
});

describe('maintenance', () => {
  it('holds everything for a subject in a window: nothing opens, reminds or resolves', () => {
    expect(evaluateRule(RULE, [worker('a', [DOWN, DOWN], { maintenance: 'deploy' })], [])).toEqual([]);
    expect(evaluateRule(RULE, [worker('a', [GOOD, GOOD], { maintenance: 'deploy' })], [alertOf('a')])).toEqual([]);
  });

  it('counts the checks made during a window once it is over (held, not dropped)', () => {
    // Two bad checks in the window, then one after it: opens at once.
    expect(actions(evaluateRule(RULE, [worker('a', [DOWN, DOWN, DOWN])], []))).toEqual([['open', 'worker:a']]);
  });

  const oneOff: WindowSpec = { name: 'w', workerFilters: [], startsAt: new Date('2026-12-01T10:00:00Z'), endsAt: new Date('2026-12-01T11:00:00Z'), cronExpression: null, durationMinutes: null, timeZone: 'UTC' };
  it('knows when a one-off window is on: from its start, until (not at) its end', () => {
    expect(['09:59:59', '10:00:00', '10:59:59', '11:00:00'].map((t) => isActiveAt(oneOff, new Date(`2026-12-01T${t}Z`)))).toEqual([false, true, true, false]);
    expect(nextStart(oneOff, new Date('2026-12-01T09:00:00Z'))).toEqual(oneOff.startsAt);
    expect(nextStart(oneOff, new Date('2026-12-01T10:30:00Z'))).toBeNull();
  });

  it('reads a recurring window in its time zone, across daylight saving', () => {
    // Sundays 02:00–04:00 Berlin time.
    const weekly: WindowSpec = { ...oneOff, startsAt: null, endsAt: null, cronExpression: '0 2 * * 0', durationMinutes: 120, timeZone: 'Europe/Berlin' };
    // Winter (CET, UTC+1): 01:00–03:00 UTC on Sunday 2026-12-06.
    expect(['00:59', '01:00', '02:59', '03:00'].map((t) => isActiveAt(weekly, new Date(`2026-12-06T${t}:00Z`)))).toEqual([false, true, true, false]);
    // Summer (CEST, UTC+2): 00:00–02:00 UTC on Sunday 2026-07-05.
    expect(['23:59', '00:00', '01:59', '02:00'].map((t, i) => isActiveAt(weekly, new Date(`2026-07-0${i === 0 ? 4 : 5}T${t}:00Z`)))).toEqual([false, true, true, false]);
    // Not on a Saturday.
    expect(isActiveAt(weekly, new Date('2026-12-05T01:30:00Z'))).toBe(false);
    expect(nextStart(weekly, new Date('2026-12-06T02:00:00Z'))).toEqual(new Date('2026-12-13T01:00:00Z'));
  });

  it('covers workers by name or type, and the fleet only when it names no worker', () => {
    const ui = { workerName: 'ui-factory', workerType: 'ui' };
    expect(covers({ workerFilters: [] }, ui)).toBe(true);
    expect(covers({ workerFilters: [] }, 'fleet')).toBe(true);
    expect(covers({ workerFilters: ['ui'] }, ui)).toBe(true);
    expect(covers({ workerFilters: ['ui-factory'] }, ui)).toBe(true);
    expect(covers({ workerFilters: ['data'] }, ui)).toBe(false);
    expect(covers({ workerFilters: ['ui'] }, 'fleet')).toBe(false);
    expect(maintenanceAt([{ ...oneOff, workerFilters: ['ui'] }], ui, new Date('2026-12-01T10:30:00Z'))).toBe('w');
    expect(maintenanceAt([{ ...oneOff, workerFilters: ['ui'] }], ui, new Date('2026-12-01T11:30:00Z'))).toBeNull();
  });
});

describe('dependencies', () => {
  it('walks dependencies nearest first and survives a cycle', () => {
    const graph = new Map([['c', ['b']], ['b', ['a']], ['a', ['c']]]);
    expect(ancestorsOf(graph, 'c')).toEqual(['b', 'a']);
    expect(cycleThrough(graph, 'a', ['c'])).toEqual(['a', 'c', 'b', 'a']);
    expect(cycleThrough(new Map([['b', ['a']]]), 'a', ['b'])).toEqual(['a', 'b', 'a']);
    expect(cycleThrough(new Map([['b', ['c']]]), 'a', ['b'])).toBeNull();
  });

  it('opens one alert for the root, listing its failing dependants, and none for them', () => {
    const rule = { ...RULE, failureThreshold: 1 };
    const subjects = [
      worker('db', [DOWN]),
      worker('api', [DOWN], { dependsOn: ['db'] }),
      worker('web', [DOWN], { dependsOn: ['api'] }),
      worker('jobs', [DOWN], { dependsOn: ['db'] }),
      worker('docs', [GOOD], { dependsOn: ['db'] }),
    ];
    const decisions = evaluateRule(rule, subjects, []);
    expect(actions(decisions)).toEqual([['open', 'worker:db']]);
    expect(decisions[0]!.affectedWorkers).toEqual(['api', 'jobs', 'web']);
  });

  it("keeps dependants quiet while their dependency's alert is open, and lets them open once it resolves", () => {
    const rule = { ...RULE, failureThreshold: 1, successThreshold: 1 };
    const dbAlert = alertOf('db', { id: 1 });
    // db has recovered but its alert is still open (successThreshold 2): api stays folded into it.
    expect(actions(evaluateRule({ ...rule, successThreshold: 2 }, [worker('db', [DOWN, GOOD]), worker('api', [DOWN, DOWN], { dependsOn: ['db'] })], [dbAlert]))).toEqual([
      ['refresh', 'worker:db'],
    ]);
    // db's alert resolves in this very evaluation: api, still bad, opens its own.
    expect(actions(evaluateRule(rule, [worker('db', [DOWN, GOOD]), worker('api', [DOWN, DOWN], { dependsOn: ['db'] })], [dbAlert]))).toEqual([
      ['resolve', 'worker:db'],
      ['open', 'worker:api'],
    ]);
  });

  it('ignores dependencies the rule does not watch', () => {
    const rule = { ...RULE, failureThreshold: 1 };
    expect(actions(evaluateRule(rule, [worker('api', [DOWN], { dependsOn: ['db'] })], []))).toEqual([['open', 'worker:api']]);
  });
});

describe('retries', () => {
  it('retries network errors, 5xx and 429 with doubling delays, and nothing else', () => {
    expect(judgeAttempt(204, 1)).toEqual({ kind: 'delivered' });
    expect(judgeAttempt(400, 1)).toEqual({ kind: 'failed' });
    expect(judgeAttempt(404, 1)).toEqual({ kind: 'failed' });
    expect(judgeAttempt(301, 1)).toEqual({ kind: 'failed' });
    expect(judgeAttempt(null, 1)).toEqual({ kind: 'retry', delaySeconds: 30 });
    expect(judgeAttempt(500, 2)).toEqual({ kind: 'retry', delaySeconds: 60 });
    expect(judgeAttempt(503, 3)).toEqual({ kind: 'retry', delaySeconds: 120 });
    expect(judgeAttempt(429, 1, { retryAfter: '300' })).toEqual({ kind: 'retry', delaySeconds: 300 });
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelaySeconds(n))).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600]);
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:01:00 GMT', new Date('2026-12-01T12:00:00Z'))).toBe(60);
    expect(parseRetryAfter('soon', new Date())).toBeNull();
  });
});

describe('notification formats', () => {
  const notification = buildNotification({
    kind: 'opened',
    at: new Date(T0),
    alert: { id: 12, ruleName: 'ui <degraded> & co', openedAt: new Date(T0), flapping: false, status: 'open' },
    rule: { failureThreshold: 2, successThreshold: 2, flapWindow: 10, openAt: 'degraded', scoreBelow: null },
    workerName: 'ui-factory',
    healthStatus: 'degraded',
    score: 0.8667,
    recommendations: ['x'.repeat(5000), 'second', 'third', 'fourth'],
    affectedWorkers: ['a', 'b'],
    healthCheckUuid: '8c1f',
    publicUrl: 'https://worker-health.example.com/',
  });

  it('says what happened in one line, with the dependants', () => {
    expect(notification.data.title).toBe('ui-factory is DEGRADED (score 0.8667) for 2 checks in a row; 2 workers depending on it are affected: a, b');
    expect(notification.data.recommendations).toHaveLength(3);
    expect(notification.data.healthCheck!.url).toMatch(/^https:\/\/worker-health\.example\.com\/graphql\?query=/);
    expect(webhookPayloadSchema.safeParse(notification).success).toBe(true);
    expect(webhookPayloadSchema.safeParse(testNotification('ops', new Date())).success).toBe(true);
  });

  it('fits Slack, Discord and PagerDuty within their documented limits', () => {
    expect(slackMessageSchema.safeParse(slackMessage(notification)).error?.issues ?? []).toEqual([]);
    expect(JSON.stringify(slackMessage(notification))).toContain('ui &lt;degraded&gt; &amp; co');
    expect(discordMessageSchema.safeParse(discordMessage(notification)).error?.issues ?? []).toEqual([]);
    const key = 'R0UT1NGKEY0123456789abcdefABCDEF';
    const trigger = pagerDutyEvent(notification, key);
    expect(pagerDutyEventSchema.safeParse(trigger).error?.issues ?? []).toEqual([]);
    expect(trigger).toMatchObject({ event_action: 'trigger', dedup_key: 'worker-health-alert-12', payload: { severity: 'warning', source: 'ui-factory' } });
    const resolved = pagerDutyEvent({ ...notification, type: 'alert.resolved' }, key);
    expect(resolved).toEqual({ routing_key: key, event_action: 'resolve', dedup_key: 'worker-health-alert-12' });
    expect(pagerDutyEventSchema.safeParse(resolved).success).toBe(true);
  });

  it('reads recommendations stored as strings or as structured objects', () => {
    expect(recommendationTexts(JSON.stringify(['a', 'b']))).toEqual(['a', 'b']);
    expect(recommendationTexts(JSON.stringify([{ severity: 'high', text: 'c' }, 3]))).toEqual(['c']);
    expect(recommendationTexts('not json')).toEqual([]);
  });
});
