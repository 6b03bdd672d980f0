/**
 * Flapping, maintenance windows (one-off, and recurring in a time zone) and dependency-aware
 * suppression, end to end in workerd: real runs, the real queue, notifications to the local receiver.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { gql } from '../helpers/graphql';
import { listAlerts, payloads, received, registerWorkers, resetAlertTablesBeforeEach, rule, runWith, silent, waitFor, webhookChannel, type Band } from './helpers';

resetAlertTablesBeforeEach();

const byWorker = (alerts: any[]) => Object.fromEntries(alerts.map((alert) => [alert.workerName, alert]));
const delivered = (alerts: any[]) => alerts.every((alert) => alert.deliveries.every((d: any) => d.status === 'DELIVERED'));

describe('flapping', { timeout: 90_000 }, () => {
  it('gets one flapping alert and no per-change notifications until it settles', async () => {
    await registerWorkers(silent('web'));
    await webhookChannel('ops', 'flapping');
    // Never two bad checks in a row, so hysteresis alone would never say anything.
    await rule({ name: 'web', workerFilters: ['web'], failureThreshold: 2, successThreshold: 2, flapWindow: 5, flapThreshold: 3, channels: ['ops'] });
    const sequence: Band[] = ['CRITICAL', 'HEALTHY', 'CRITICAL', 'HEALTHY', 'CRITICAL', 'HEALTHY', 'CRITICAL', 'HEALTHY', 'HEALTHY', 'HEALTHY', 'HEALTHY'];
    const runs: string[] = [];
    for (const band of sequence) runs.push(await runWith({ web: band }));
    const [alert] = await waitFor(() => listAlerts(), (alerts) => alerts[0]?.status === 'RESOLVED' && delivered(alerts), 'the settled alert');
    // Flapping from the fifth check (4 changes in 5 checks), settled at the eleventh (1 change left).
    expect(alert.transitions.map((t: any) => [t.kind, runs.indexOf(t.healthCheckUuid) + 1])).toEqual([
      ['OPENED', 5],
      ['RESOLVED', 11],
    ]);
    const notifications = payloads(await received('flapping'));
    expect(notifications.map((n) => n.type)).toEqual(['alert.flapping', 'alert.resolved']);
    expect(notifications[0].data).toMatchObject({ alert: { flapping: true }, title: 'web is flapping: 4 changes in its last 5 checks' });
    expect((await listAlerts()).length).toBe(1);
  });
});

/** The wall-clock hour and minute in a zone, `minutesAgo` minutes ago. */
function localTime(zone: string, minutesAgo: number) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric' }).formatToParts(new Date(Date.now() - minutesAgo * 60_000));
  const get = (type: string) => Number(parts.find((part) => part.type === type)!.value);
  return { hour: get('hour'), minute: get('minute') };
}

describe('maintenance windows', { timeout: 60_000 }, () => {
  async function setUp() {
    await registerWorkers(silent('web', 'frontend'), silent('api', 'backend'));
    await webhookChannel('ops', `maintenance-${crypto.randomUUID()}`);
    await rule({ name: 'everything', failureThreshold: 2, channels: ['ops'] });
  }

  it('holds the alerts of the workers a one-off window covers, and opens them after it if the problem is still there', async () => {
    await setUp();
    const now = Date.now();
    const window = await gql('mutation ($input: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { name active nextStartsAt workerFilters } }', {
      input: { name: 'deploy', workerFilters: ['frontend'], startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 600_000).toISOString() },
    });
    expect(window.data!.createMaintenanceWindow).toEqual({ name: 'deploy', active: true, nextStartsAt: null, workerFilters: ['frontend'] });

    await runWith({ web: 'CRITICAL', api: 'CRITICAL' });
    const second = await runWith({ web: 'CRITICAL', api: 'CRITICAL' });
    // api, not covered, alerts; web's checks ran and were recorded, its alert held.
    const alerts = await waitFor(() => listAlerts(), (list) => list.length === 1 && delivered(list), "api's alert");
    expect(alerts.map((alert) => [alert.workerName, alert.openedHealthCheckUuid])).toEqual([['api', second]]);

    // The window ends; at the first check after it web is still down: its alert opens then.
    await gql(`mutation { updateMaintenanceWindow(name: "deploy", input: { endsAt: "${new Date().toISOString()}" }) { active } }`);
    const third = await runWith({ web: 'CRITICAL', api: 'CRITICAL' });
    const after = byWorker(await waitFor(() => listAlerts(), (list) => list.length === 2 && delivered(list), "web's alert after the window"));
    expect(after['web']).toMatchObject({ status: 'OPEN', openedHealthCheckUuid: third });
    expect(after['api'].transitions.map((t: any) => t.kind)).toEqual(['OPENED']);
  });

  it('reads a recurring window in its time zone', async () => {
    await setUp();
    // Every day from a minute ago for half an hour, in Adelaide time (UTC+09:30 or +10:30): on now
    // only if the expression is read there, not in UTC.
    const { hour, minute } = localTime('Australia/Adelaide', 1);
    const created = await gql('mutation ($input: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { active timeZone nextStartsAt } }', {
      input: { name: 'nightly', workerFilters: ['web'], cronExpression: `${minute} ${hour} * * *`, durationMinutes: 30, timeZone: 'australia/adelaide' },
    });
    expect(created.errors).toBeUndefined();
    expect(created.data!.createMaintenanceWindow).toMatchObject({ active: true, timeZone: 'Australia/Adelaide' });
    // Its next start is tomorrow at the same local time.
    expect(Date.parse(created.data!.createMaintenanceWindow.nextStartsAt) - Date.now()).toBeGreaterThan(23 * 3600_000);

    await runWith({ web: 'UNHEALTHY', api: 'UNHEALTHY' });
    const second = await runWith({ web: 'UNHEALTHY', api: 'UNHEALTHY' });
    const alerts = await waitFor(() => listAlerts(), (list) => list.length === 1 && delivered(list), "api's alert");
    expect(alerts.map((alert) => [alert.workerName, alert.openedHealthCheckUuid])).toEqual([['api', second]]);

    expect((await gql('mutation { deleteMaintenanceWindow(name: "nightly") }')).data).toEqual({ deleteMaintenanceWindow: true });
    const third = await runWith({ web: 'UNHEALTHY', api: 'UNHEALTHY' });
    const after = byWorker(await waitFor(() => listAlerts(), (list) => list.length === 2, "web's alert"));
    expect(after['web'].openedHealthCheckUuid).toBe(third);
  });
});

describe('dependency-aware suppression', { timeout: 60_000 }, () => {
  it('opens one alert for a failing dependency, listing its failing dependants, and theirs once it has recovered', async () => {
    await registerWorkers(silent('db'));
    await registerWorkers(silent('api', 'svc', ['db']), silent('web', 'svc', ['api']), silent('jobs', 'svc', ['db']), silent('docs', 'svc', ['db']));
    await webhookChannel('ops', 'dependencies');
    await rule({ name: 'everything', failureThreshold: 2, successThreshold: 2, channels: ['ops'] });
    const down = { db: 'CRITICAL', api: 'UNHEALTHY', web: 'UNHEALTHY', jobs: 'UNHEALTHY', docs: 'HEALTHY' } as const;

    await runWith(down);
    const second = await runWith(down);
    const [root] = await waitFor(() => listAlerts(), (list) => list.length === 1 && delivered(list) && list[0].deliveries.length === 1, 'the root-cause alert');
    expect(root).toMatchObject({ workerName: 'db', status: 'OPEN', openedHealthCheckUuid: second, affectedWorkers: ['api', 'jobs', 'web'] });
    const [notification] = payloads(await received('dependencies'));
    expect(notification.data).toMatchObject({ subject: { worker: 'db' }, affectedWorkers: ['api', 'jobs', 'web'] });
    expect(notification.data.title).toBe('db is CRITICAL (score 0.0000) for 2 checks in a row; 3 workers depending on it are affected: api, jobs, web');

    // db recovers, its dependants do not: while db's alert is open (one good check is not enough) they stay folded into it…
    const third = await runWith({ ...down, db: 'HEALTHY' });
    await waitFor(() => listAlerts(), (list) => list[0]?.healthCheckUuid === third, 'the third run evaluated');
    expect((await listAlerts()).map((alert) => alert.workerName)).toEqual(['db']);
    // …and once it resolves they open their own, being bad for far longer than failureThreshold:
    // jobs and api; web depends on api, which is failing, so it is folded into api's.
    const fourth = await runWith({ ...down, db: 'HEALTHY' });
    const alerts = byWorker(await waitFor(() => listAlerts(), (list) => list.length === 3 && delivered(list), "the dependants' own alerts"));
    expect(alerts['db']).toMatchObject({ status: 'RESOLVED', healthCheckUuid: fourth });
    expect(alerts['api']).toMatchObject({ status: 'OPEN', openedHealthCheckUuid: fourth, affectedWorkers: ['web'] });
    expect(alerts['jobs']).toMatchObject({ status: 'OPEN', openedHealthCheckUuid: fourth, affectedWorkers: [] });
    const sent = payloads(await received('dependencies')).map((n) => [n.type, n.data.subject.worker, n.data.affectedWorkers]);
    expect(sent).toHaveLength(4);
    expect(sent).toEqual(
      expect.arrayContaining([
        ['alert.opened', 'db', ['api', 'jobs', 'web']],
        ['alert.resolved', 'db', []],
        ['alert.opened', 'api', ['web']],
        ['alert.opened', 'jobs', []],
      ]),
    );
  });

  it('says nothing of a dependency in maintenance, nor of its dependants', async () => {
    await registerWorkers(silent('db'), silent('solo'));
    await registerWorkers(silent('api', 'svc', ['db']));
    await webhookChannel('ops', 'dependency-maintenance');
    await rule({ name: 'everything', failureThreshold: 1, channels: ['ops'] });
    await gql('mutation ($input: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { name } }', {
      input: { name: 'db-upgrade', workerFilters: ['db'], startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 600_000).toISOString() },
    });
    const run = await runWith({ db: 'CRITICAL', api: 'CRITICAL', solo: 'CRITICAL' });
    const alerts = await waitFor(() => listAlerts(), (list) => list.length >= 1 && delivered(list), "solo's alert");
    expect(alerts.map((alert) => [alert.workerName, alert.openedHealthCheckUuid])).toEqual([['solo', run]]);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM alerts').first<{ n: number }>())!.n).toBe(1);
  });
});
