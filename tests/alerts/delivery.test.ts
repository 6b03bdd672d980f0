/**
 * Delivery through the real queue to local receivers: retries with backoff on 5xx, none on 4xx,
 * dead-lettering after the queue's retries, every attempt recorded, each receiver's own format, and
 * never twice for one transition.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { gql } from '../helpers/graphql';
import { channel, listAlerts, payloads, received, registerWorkers, resetAlertTablesBeforeEach, rule, runWith, silent, waitFor, webhookChannel } from './helpers';

resetAlertTablesBeforeEach();

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const deliveryOf = async () => (await listAlerts())[0]?.deliveries[0];

describe('delivery', { timeout: 60_000 }, () => {
  it('retries a channel answering 500 twice, then 200: three attempts, one notification', async () => {
    await registerWorkers(silent('web'));
    await webhookChannel('flaky', 'flaky-500-500-200', '500,500,204');
    await rule({ name: 'web-down', workerFilters: ['web'], failureThreshold: 1, channels: ['flaky'] });
    const started = Date.now();
    await runWith({ web: 'CRITICAL' });
    // The run was over before any attempt: a failing channel never holds up recording or finalisation.
    expect(Date.now() - started).toBeLessThan(5_000);

    const delivery = await waitFor(deliveryOf, (d) => d?.status === 'DELIVERED', 'the delivery');
    expect(delivery).toMatchObject({ status: 'DELIVERED', attemptCount: 3, lastStatusCode: 204, lastError: null });
    expect(delivery.attempts.map((a: any) => [a.attempt, a.statusCode, a.outcome])).toEqual([
      [1, 500, 'RETRY'],
      [2, 500, 'RETRY'],
      [3, 204, 'DELIVERED'],
    ]);
    expect(delivery.attempts[0].error).toBe('HTTP 500: scripted 500');
    const requests = await received('flaky-500-500-200');
    expect(requests.map((r) => r.answer)).toEqual([500, 500, 204]);
    // Each attempt signed afresh, all under the one webhook-id a receiver dedupes on.
    expect(requests.map((r) => r.problems)).toEqual([[], [], []]);
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    // Backoff: 1 s then 2 s (ALERT_RETRY_BASE_SECONDS = 1 in the tests).
    const at = requests.map((r) => r.at);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(900);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1_900);
  });

  it('does not retry a channel answering 400, and records why', async () => {
    await registerWorkers(silent('web'));
    await webhookChannel('refusing', 'refusing-400', '400');
    await rule({ name: 'web-down', workerFilters: ['web'], failureThreshold: 1, channels: ['refusing'] });
    await runWith({ web: 'CRITICAL' });
    const delivery = await waitFor(deliveryOf, (d) => d?.status === 'FAILED', 'the refused delivery');
    expect(delivery).toMatchObject({ attemptCount: 1, lastStatusCode: 400, lastError: 'HTTP 400: scripted 400' });
    expect(delivery.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 400, outcome: 'FAILED' })]);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await received('refusing-400')).toHaveLength(1);
  });

  it('dead-letters a channel that never answers, after the queue retries it', async () => {
    await registerWorkers(silent('web'));
    await webhookChannel('silent', 'never-answers', 'hang');
    await rule({ name: 'web-down', workerFilters: ['web'], failureThreshold: 1, channels: ['silent'] });
    await runWith({ web: 'CRITICAL' });
    const delivery = await waitFor(deliveryOf, (d) => d?.status === 'DEAD_LETTERED', 'the dead-lettered delivery', 45_000);
    // The first attempt and wrangler.toml's max_retries = 3.
    expect(delivery.attemptCount).toBe(4);
    expect(delivery.attempts.map((a: any) => [a.statusCode, a.outcome, a.error])).toEqual(Array(4).fill([null, 'RETRY', 'no answer within 1000 ms']));
    expect(delivery.lastError).toMatch(/^gave up after 4 attempts \(dead-lettered\): no answer within 1000 ms$/);
    expect((await received('never-answers')).length).toBe(4);
  });

  it("speaks Slack's, Discord's and PagerDuty's formats, each checked against its documented schema", async () => {
    await registerWorkers(silent('web'));
    await channel('slack', 'SLACK', 'formats-slack');
    await channel('discord', 'DISCORD', 'formats-discord');
    await channel('pagerduty', 'PAGERDUTY', 'formats-pagerduty', { routingKey: ROUTING_KEY });
    await rule({ name: 'web-down', workerFilters: ['web'], failureThreshold: 1, successThreshold: 1, channels: ['slack', 'discord', 'pagerduty'] });
    await runWith({ web: 'CRITICAL' });
    await runWith({ web: 'HEALTHY' });
    const [alert] = await waitFor(() => listAlerts(), (alerts) => alerts[0]?.deliveries.length === 6 && alerts[0].deliveries.every((d: any) => d.status === 'DELIVERED'), 'six deliveries');
    expect(alert.deliveries.map((d: any) => [d.transition, d.channel, d.lastStatusCode])).toEqual([
      ['OPENED', 'discord', 204],
      ['OPENED', 'pagerduty', 202],
      ['OPENED', 'slack', 200],
      ['RESOLVED', 'discord', 204],
      ['RESOLVED', 'pagerduty', 202],
      ['RESOLVED', 'slack', 200],
    ]);
    for (const id of ['formats-slack', 'formats-discord', 'formats-pagerduty']) {
      const requests = await received(id);
      expect(requests.map((r) => r.problems), id).toEqual([[], []]);
    }
    const [slackOpened] = payloads(await received('formats-slack'));
    expect(slackOpened.text).toMatch(/^web is CRITICAL \(score 0\.0000\)$/);
    expect(slackOpened.blocks.map((block: any) => block.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
    const [discordOpened, discordResolved] = payloads(await received('formats-discord'));
    expect(discordOpened.embeds[0]).toMatchObject({ title: 'web is CRITICAL (score 0.0000)', color: 0xe74c3c });
    expect(discordResolved.embeds[0]).toMatchObject({ title: 'Resolved: web is HEALTHY (score 1.0000)', color: 0x2ecc71 });
    // One incident: the trigger and the resolve carry the alert's own dedup_key.
    const [trigger, resolve] = payloads(await received('formats-pagerduty'));
    expect(trigger).toMatchObject({ routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: `worker-health-alert-${alert.id}`, payload: { severity: 'critical', source: 'web' } });
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: `worker-health-alert-${alert.id}` });
  });

  it('never notifies twice for one transition: repeated evaluations and deliveries change nothing', async () => {
    await registerWorkers(silent('web'));
    await webhookChannel('ops', 'exactly-once');
    await rule({ name: 'web-down', workerFilters: ['web'], failureThreshold: 1, channels: ['ops'] });
    const uuid = await runWith({ web: 'CRITICAL' });
    await waitFor(deliveryOf, (d) => d?.status === 'DELIVERED', 'the delivery');
    // The queue delivers at least once: the same evaluation many times over, and the delivery again.
    const { id } = (await env.DB.prepare('SELECT id FROM alert_deliveries').first<{ id: number }>())!;
    await env.ALERTS_QUEUE.sendBatch([
      ...Array.from({ length: 5 }, () => ({ body: { kind: 'evaluate', healthCheckUuid: uuid } })),
      ...Array.from({ length: 3 }, () => ({ body: { kind: 'deliver', deliveryId: id } })),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const alerts = await listAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0].transitions.map((t: any) => t.kind)).toEqual(['OPENED']);
    expect(alerts[0].deliveries).toHaveLength(1);
    expect(await received('exactly-once')).toHaveLength(1);
  });

  it('tests a channel on demand and reports the answer', async () => {
    await webhookChannel('ops', 'channel-test');
    await webhookChannel('down', 'channel-test-503', '503');
    const ok = await gql('mutation { testAlertChannel(name: "ops") { ok statusCode latencyMs error } }');
    expect(ok.data!.testAlertChannel).toMatchObject({ ok: true, statusCode: 204, error: null });
    const [request] = await received('channel-test');
    expect(request!.problems).toEqual([]);
    expect(JSON.parse(request!.body)).toMatchObject({ type: 'alert.test', data: { alert: null } });
    const down = await gql('mutation { testAlertChannel(name: "down") { ok statusCode error responseBody } }');
    expect(down.data!.testAlertChannel).toEqual({ ok: false, statusCode: 503, error: 'HTTP 503: scripted 503', responseBody: 'scripted 503' });

    await channel('pd', 'PAGERDUTY', 'channel-test-pd', { routingKey: ROUTING_KEY });
    expect((await gql('mutation { testAlertChannel(name: "pd") { ok statusCode } }')).data!.testAlertChannel).toEqual({ ok: true, statusCode: 202 });
    // A test trigger is resolved at once, so it leaves no incident open.
    const events = payloads(await received('channel-test-pd'));
    expect(events.map((e) => [e.event_action, e.payload?.severity])).toEqual([['trigger', 'info'], ['resolve', undefined]]);
    expect(events[0].dedup_key).toBe(events[1].dedup_key);
  });
});
