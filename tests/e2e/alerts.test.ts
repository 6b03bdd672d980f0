/**
 * Alerting against `wrangler dev` (the e2e stack: the orchestrator, the demo fleet and the alerts
 * queue as Miniflare simulates it locally), as the "done when" reads: a webhook channel to
 * a local receiver and a rule on "degraded or worse for 2 checks" give exactly one signed
 * notification after the second degraded run of ui-factory, and one "resolved" when it recovers; a
 * dependency's failure gives one root-cause alert; a maintenance window silences it.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startAlertReceiver, type ReceivedRequest } from '../workers/alert-receiver';
import { closedPort } from './helpers/cli';
import { graphqlData, until } from './helpers/graphql';

const baseUrl = inject('baseUrl');
const adminKey = inject('adminKey');

const data = <T = any>(query: string, variables?: Record<string, unknown>) => graphqlData<T>(baseUrl, adminKey, query, variables);


/** Starts a run and waits for its end. */
async function run(input: Record<string, unknown>): Promise<{ uuid: string; status: string; workerResults: { workerName: string; healthStatus: string | null }[] }> {
  const { initiateHealthCheck } = await data('mutation ($input: InitiateHealthCheckInput) { initiateHealthCheck(input: $input) { healthCheckUuid } }', { input });
  return until(
    async () => (await data('query ($uuid: ID!) { healthCheck(uuid: $uuid) { uuid status workerResults { workerName healthStatus } } }', { uuid: initiateHealthCheck.healthCheckUuid })).healthCheck,
    (r) => r.status !== 'RUNNING',
    'the run',
  );
}

const ALERTS = `{ alerts(first: 100) { edges { node { id rule workerName status affectedWorkers openedHealthCheckUuid healthCheckUuid
  transitions { kind } deliveries { channel transition status attemptCount } } } } }`;
const alerts = async (rule: string) => ((await data(ALERTS)).alerts.edges as { node: any }[]).map((edge) => edge.node).filter((alert) => alert.rule === rule);

let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;
let secret: string;
const received = (id: string): ReceivedRequest[] => receiver.received.get(id) ?? [];

beforeAll(async () => {
  receiver = await startAlertReceiver();
  const { createAlertChannel } = await data('mutation ($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { signingSecret } }', {
    input: { name: 'e2e-receiver', kind: 'WEBHOOK', url: `${receiver.url}/webhook/e2e` },
  });
  secret = createAlertChannel.signingSecret;
  await fetch(`${receiver.url}/secrets/e2e`, { method: 'PUT', body: secret });
});

afterAll(async () => {
  // Leave the shared stack as it was: no rules sending to a receiver that is about to close.
  for (const rule of ['e2e-ui-degraded', 'e2e-ghosts']) await data(`mutation { deleteAlertRule(name: "${rule}") }`).catch(() => {});
  for (const worker of ['ghost-db', 'ghost-api', 'ghost-web', 'ghost-solo']) await data(`mutation { removeWorker(name: "${worker}") }`).catch(() => {});
  await data('mutation { deleteMaintenanceWindow(name: "e2e-db-upgrade") }').catch(() => {});
  await data('mutation { deleteAlertChannel(name: "e2e-receiver") }').catch(() => {});
  await receiver?.close();
});

describe('alerting against wrangler dev', () => {
  it('sends one signed notification after the second degraded run of ui-factory, and one "resolved" when it recovers', { timeout: 240_000 }, async () => {
    // The stack is shared: a run another file started (and did not wait for) would end after the
    // rule exists and count as one of ui-factory's checks. Start from a quiet stack.
    await until(() => data('{ healthChecks(status: RUNNING) { totalCount } }'), (page) => page.healthChecks.totalCount === 0, 'no run still running', 120_000);
    await data('mutation ($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { name } }', {
      input: { name: 'e2e-ui-degraded', workerFilters: ['ui-factory'], openAt: 'DEGRADED', failureThreshold: 2, successThreshold: 2, channels: ['e2e-receiver'] },
    });
    const first = await run({ workerFilters: ['ui-factory'] });
    expect(first.workerResults[0]!.healthStatus).not.toBe('HEALTHY');
    const second = await run({ workerFilters: ['ui-factory'] });
    expect(second.workerResults[0]!.healthStatus).not.toBe('HEALTHY');
    const [opened] = await until(() => alerts('e2e-ui-degraded'), (list) => list[0]?.deliveries[0]?.status === 'DELIVERED', 'the alert');
    expect(opened).toMatchObject({ workerName: 'ui-factory', status: 'OPEN', openedHealthCheckUuid: second.uuid });
    expect(received('e2e')).toHaveLength(1);

    // The notification as it arrived, verified here too with standardwebhooks and the secret.
    const [request] = received('e2e');
    expect(request!.problems).toEqual([]);
    const payload = new Webhook(secret).verify(request!.body, request!.headers) as any;
    expect(payload).toMatchObject({ type: 'alert.opened', data: { subject: { worker: 'ui-factory' }, alert: { id: opened.id, rule: 'e2e-ui-degraded' }, healthCheck: { uuid: second.uuid } } });
    expect(payload.data.healthCheck.url).toMatch(new RegExp(`^${baseUrl}/graphql\\?query=`));

    // Recovering: its slow performance tests and flaky integration test left out, it is healthy.
    const recovered = { workerFilters: ['ui-factory'], includePerformanceTests: false, includeIntegrationTests: false };
    expect((await run(recovered)).workerResults[0]!.healthStatus).toBe('HEALTHY');
    const resolving = await run(recovered);
    const [resolved] = await until(() => alerts('e2e-ui-degraded'), (list) => list[0]?.deliveries[1]?.status === 'DELIVERED', 'the resolution');
    expect(resolved).toMatchObject({ status: 'RESOLVED', healthCheckUuid: resolving.uuid });
    expect(resolved.transitions.map((t: any) => t.kind)).toEqual(['OPENED', 'RESOLVED']);
    expect(received('e2e').map((r) => JSON.parse(r.body).type)).toEqual(['alert.opened', 'alert.resolved']);
    expect(received('e2e').map((r) => r.problems)).toEqual([[], []]);
    await data('mutation { deleteAlertRule(name: "e2e-ui-degraded") }');
  });

  it("gives one root-cause alert for a failing dependency, and nothing while it is in maintenance", { timeout: 120_000 }, async () => {
    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    for (const [name, dependsOn] of [['ghost-db', []], ['ghost-solo', []], ['ghost-api', ['ghost-db']], ['ghost-web', ['ghost-db']]] as const) {
      await data('mutation ($input: RegisterWorkerInput!) { registerWorker(input: $input) { name } }', { input: { name, type: 'ghost', url: `${nowhere}/${name}`, dependsOn } });
    }
    await data('mutation ($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { name } }', {
      input: { name: 'e2e-ghosts', workerFilters: ['ghost'], failureThreshold: 1, channels: ['e2e-receiver'] },
    });
    // The dependency is being upgraded: neither it nor its dependants say anything; ghost-solo does.
    await data('mutation ($input: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { active } }', {
      input: { name: 'e2e-db-upgrade', workerFilters: ['ghost-db'], startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString() },
    });
    const during = await run({ workerFilters: ['ghost'] });
    expect(during.status).toBe('FAILED');
    const [solo] = await until(() => alerts('e2e-ghosts'), (list) => list.length > 0 && list.every((a) => a.deliveries[0]?.status === 'DELIVERED'), "ghost-solo's alert");
    expect((await alerts('e2e-ghosts')).map((a) => a.workerName)).toEqual(['ghost-solo']);
    expect(solo.openedHealthCheckUuid).toBe(during.uuid);

    // After the window: one alert for ghost-db, naming its dependants.
    await data('mutation { deleteMaintenanceWindow(name: "e2e-db-upgrade") }');
    const after = await run({ workerFilters: ['ghost'] });
    const list = await until(() => alerts('e2e-ghosts'), (l) => l.length === 2 && l.every((a) => a.deliveries[0]?.status === 'DELIVERED'), 'the root-cause alert');
    const root = list.find((a) => a.workerName === 'ghost-db');
    expect(root).toMatchObject({ status: 'OPEN', openedHealthCheckUuid: after.uuid, affectedWorkers: ['ghost-api', 'ghost-web'] });
    const rootNotification = received('e2e').map((r) => JSON.parse(r.body)).find((n) => n.data.subject.worker === 'ghost-db');
    expect(rootNotification.data.title).toBe('ghost-db is CRITICAL (score 0.0000); 2 workers depending on it are affected: ghost-api, ghost-web');
    await data('mutation { deleteAlertRule(name: "e2e-ghosts") }');
  });
});
