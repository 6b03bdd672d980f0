/**
 * Hysteresis and delivery end to end in workerd: real runs (signed results from the workers), the
 * real queue (evaluation and delivery in the consumer), a real signed webhook to a local receiver
 * that verifies it with the official `standardwebhooks` library.
 */
import { describe, expect, it } from 'vitest';
import { codes, gql } from '../helpers/graphql';
import { listAlerts, payloads, received, registerWorkers, resetAlertTablesBeforeEach, rule, runWith, silent, waitFor, webhookChannel } from './helpers';

resetAlertTablesBeforeEach();

describe('a rule on "degraded or worse for 2 checks", resolving after 2 good ones', { timeout: 60_000 }, () => {
  it('counts only the checks of runs that ended after the rule was created', async () => {
    await registerWorkers(silent('web'), silent('api'));
    await webhookChannel('ops', 'history');
    // A bad check from before the rule existed…
    await runWith({ web: 'DEGRADED', api: 'HEALTHY' });
    // (created_at keeps whole seconds: the rule must be a second younger than that run.)
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await rule({ name: 'web-degraded', workerFilters: ['web'], openAt: 'DEGRADED', failureThreshold: 2, successThreshold: 2, channels: ['ops'] });
    // …so one bad check after it opens nothing, and the second does.
    const first = await runWith({ web: 'DEGRADED', api: 'HEALTHY' });
    await waitFor(() => listAlerts(), () => true, 'the first run evaluated');
    const second = await runWith({ web: 'DEGRADED', api: 'HEALTHY' });
    const [opened] = await waitFor(() => listAlerts(), (alerts) => alerts[0]?.deliveries[0]?.status === 'DELIVERED', 'the alert');
    expect(opened.openedHealthCheckUuid).toBe(second);
    expect(opened.openedHealthCheckUuid).not.toBe(first);
  });

  it('opens once after the second bad check, does not repeat itself, and resolves after the second good one', async () => {
    await registerWorkers(silent('web'), silent('api'));
    await webhookChannel('ops', 'hysteresis');
    await rule({ name: 'web-degraded', workerFilters: ['web'], openAt: 'DEGRADED', failureThreshold: 2, successThreshold: 2, channels: ['ops'] });

    const first = await runWith({ web: 'DEGRADED', api: 'HEALTHY' });
    const second = await runWith({ web: 'DEGRADED', api: 'HEALTHY' });
    const [opened] = await waitFor(() => listAlerts(), (alerts) => alerts[0]?.deliveries[0]?.status === 'DELIVERED', 'the alert and its notification');
    // Opened by the second run, not the first: one bad check opens nothing.
    expect(opened).toMatchObject({ rule: 'web-degraded', workerName: 'web', fleet: false, status: 'OPEN', healthStatus: 'DEGRADED', openedHealthCheckUuid: second });
    expect(opened.openedHealthCheckUuid).not.toBe(first);
    expect(opened.transitions.map((t: any) => t.kind)).toEqual(['OPENED']);
    expect(opened.deliveries).toEqual([
      expect.objectContaining({ channel: 'ops', transition: 'OPENED', status: 'DELIVERED', attemptCount: 1, lastStatusCode: 204, attempts: [expect.objectContaining({ attempt: 1, statusCode: 204, outcome: 'DELIVERED', error: null })] }),
    ]);

    // Signed as Standard Webhooks; the receiver verified it with standardwebhooks' Webhook.verify.
    const [delivery] = await received('hysteresis');
    expect(delivery!.problems).toEqual([]);
    expect(delivery!.headers['webhook-id']).toMatch(/^msg_alert_delivery_\d+$/);
    const [notification] = payloads([delivery!]);
    expect(notification).toMatchObject({
      type: 'alert.opened',
      data: {
        alert: { id: opened.id, rule: 'web-degraded', status: 'OPEN', flapping: false },
        subject: { kind: 'WORKER', worker: 'web' },
        healthStatus: 'DEGRADED',
        healthCheck: { uuid: second },
        affectedWorkers: [],
      },
    });
    expect(notification.data.title).toMatch(/^web is DEGRADED \(score 0\.8636\) for 2 checks in a row$/);
    expect(notification.data.healthCheck.url).toContain(encodeURIComponent(second));
    expect(notification.data.recommendations.length).toBeGreaterThan(0);

    // Still bad: no second alert, no second notification.
    const third = await runWith({ web: 'DEGRADED', api: 'HEALTHY' });
    await waitFor(() => listAlerts(), (alerts) => alerts[0]?.healthCheckUuid === third, 'the third run evaluated');
    // One good check is not enough…
    const fourth = await runWith({ web: 'HEALTHY', api: 'HEALTHY' });
    const [stillOpen] = await waitFor(() => listAlerts(), (alerts) => alerts[0]?.healthCheckUuid === fourth, 'the fourth run evaluated');
    expect(stillOpen).toMatchObject({ status: 'OPEN', healthStatus: 'HEALTHY', transitions: [{ kind: 'OPENED' }] });
    // …two are.
    const fifth = await runWith({ web: 'HEALTHY', api: 'HEALTHY' });
    const [resolved] = await waitFor(() => listAlerts(), (alerts) => alerts[0]?.deliveries[1]?.status === 'DELIVERED', 'the resolution and its notification');
    expect(resolved).toMatchObject({ status: 'RESOLVED', healthStatus: 'HEALTHY', healthCheckUuid: fifth });
    expect(resolved.transitions.map((t: any) => [t.kind, t.healthCheckUuid])).toEqual([['OPENED', second], ['RESOLVED', fifth]]);

    const requests = await received('hysteresis');
    expect(requests.map((request) => request.problems)).toEqual([[], []]);
    expect(payloads(requests).map((p) => [p.type, p.data.alert.status])).toEqual([['alert.opened', 'OPEN'], ['alert.resolved', 'RESOLVED']]);
    expect(payloads(requests)[1].data.title).toBe('Resolved: web is HEALTHY (score 1.0000)');
    // The healthy worker never alerted.
    expect((await listAlerts()).map((alert) => alert.workerName)).toEqual(['web']);
    expect((await gql('{ alerts(status: OPEN) { totalCount } }')).data!.alerts.totalCount).toBe(0);
    expect((await gql('{ alerts(status: RESOLVED) { totalCount } }')).data!.alerts.totalCount).toBe(1);
  });

  it('sends a reminder while open when one is due, and none once acknowledged', async () => {
    await registerWorkers(silent('web'));
    await webhookChannel('ops', 'reminders');
    await rule({ name: 'web-down', workerFilters: ['web'], failureThreshold: 1, reminderMinutes: 30, channels: ['ops'] });
    await runWith({ web: 'CRITICAL' });
    const [alert] = await waitFor(() => listAlerts(), (alerts) => alerts[0]?.deliveries[0]?.status === 'DELIVERED', 'the alert');
    // A check soon after: no reminder yet.
    const soon = await runWith({ web: 'CRITICAL' });
    await waitFor(() => listAlerts(), (alerts) => alerts[0]?.healthCheckUuid === soon, 'the second run evaluated');
    // Half an hour later (the clock moved back on the alert's last notification instead).
    const { env } = await import('cloudflare:workers');
    await env.DB.prepare("UPDATE alerts SET last_notified_at = datetime('now', '-31 minutes')").run();
    const later = await runWith({ web: 'CRITICAL' });
    const [reminded] = await waitFor(() => listAlerts(), (alerts) => alerts[0]?.deliveries[1]?.status === 'DELIVERED', 'the reminder');
    expect(reminded.transitions.map((t: any) => [t.kind, t.healthCheckUuid])).toEqual([['OPENED', expect.any(String)], ['REMINDER', later]]);
    expect(payloads(await received('reminders')).map((p) => p.type)).toEqual(['alert.opened', 'alert.reminder']);

    // Acknowledged (operator): reminders stop.
    const operator = await (await import('../helpers/graphql')).keyFor('operator');
    const ack = await gql(`mutation { acknowledgeAlert(id: "${alert.id}") { status acknowledgedBy acknowledgedAt } }`, {}, { key: operator });
    expect(ack.errors).toBeUndefined();
    expect(ack.data!.acknowledgeAlert).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: expect.stringMatching(/^operator-/) });
    expect(codes(await gql(`mutation { acknowledgeAlert(id: "${alert.id}") { status } }`, {}, { key: operator }))).toEqual(['CONFLICT']);
    await env.DB.prepare("UPDATE alerts SET last_notified_at = datetime('now', '-31 minutes')").run();
    const acknowledged = await runWith({ web: 'CRITICAL' });
    const [quiet] = await waitFor(() => listAlerts(), (alerts) => alerts[0]?.healthCheckUuid === acknowledged, 'the run after the acknowledgement evaluated');
    expect(quiet.transitions.map((t: any) => t.kind)).toEqual(['OPENED', 'REMINDER', 'ACKNOWLEDGED']);
    expect(quiet.deliveries).toHaveLength(2);
  });
});
