import { env } from 'cloudflare:workers';
import { beforeEach, expect } from 'vitest';
import { gql } from '../helpers/graphql';
import { initiate, readRun, register, resultInput, signedReport, waitForRun } from '../runs/helpers';

export const ALERT_TABLES = ['alert_delivery_attempts', 'alert_deliveries', 'alert_transitions', 'alerts', 'alert_rules', 'alert_channels', 'maintenance_windows'];

/** Alert tables start empty in every test (the shared setup empties the others). */
export function resetAlertTablesBeforeEach() {
  beforeEach(async () => {
    await env.DB.batch(ALERT_TABLES.map((table) => env.DB.prepare(`DELETE FROM ${table}`)));
  });
}

/** Workers served by the silent test worker: dispatches are accepted, results are what the test reports. */
export const silent = (name: string, type = 'svc', dependsOn: string[] = []) => ({ name, type, binding: 'SILENT_WORKER', ...(dependsOn.length ? { dependsOn } : {}) });

export async function registerWorkers(...workers: ReturnType<typeof silent>[]) {
  await register(workers);
}

/** Results that score as each band (domain/scoring.ts): checked by `runWith`. */
export type Band = 'HEALTHY' | 'DEGRADED' | 'UNHEALTHY' | 'CRITICAL';
const RESULTS: Record<Band, Record<string, unknown>> = {
  HEALTHY: {},
  // unit 3/4 with connectivity and a fast answer: 0.8636
  DEGRADED: { unitTests: ['a', 'b', 'c', 'd'].map((name, i) => ({ name, status: i < 3 ? 'PASSED' : 'FAILED', durationMs: 1 })) },
  // unit 0/1 with connectivity and a fast answer: 0.4545
  UNHEALTHY: { unitTests: [{ name: 'a', status: 'FAILED', durationMs: 1 }] },
  // nothing passes, nothing connects, slow: 0
  CRITICAL: { unitTests: [{ name: 'a', status: 'FAILED', durationMs: 1 }], orchestratorConnectivity: false, responseTimeMs: 5000 },
};

/**
 * One run of the given workers with the given outcomes: started through the API, each worker's
 * result reported signed as the worker would, then waited for until the run is over.
 */
export async function runWith(outcomes: Record<string, Band>): Promise<string> {
  const uuid = await initiate({ workerFilters: Object.keys(outcomes) });
  const run = await readRun(uuid);
  for (const worker of run.workerResults) {
    const band = outcomes[worker.workerName]!;
    const response = await signedReport(worker.workerName, resultInput(worker.uuid, RESULTS[band]));
    expect(response.errors).toBeUndefined();
  }
  const done = await waitForRun(uuid);
  expect(done.status).toBe('COMPLETED');
  for (const worker of done.workerResults) expect(worker.healthStatus, worker.workerName).toBe(outcomes[worker.workerName]);
  return uuid;
}

/** Polls until `read` returns something `until` accepts (bounded, so a missing alert fails the test). */
export async function waitFor<T>(read: () => Promise<T>, until: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value, null, 1).slice(0, 3000)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const ALERT_FIELDS = `id rule workerName fleet status flapping healthStatus score affectedWorkers summary recommendations
  openedHealthCheckUuid healthCheckUuid openedAt acknowledgedAt acknowledgedBy resolvedAt
  transitions { kind healthCheckUuid healthStatus title }
  deliveries { channel transition status attemptCount lastStatusCode lastError attempts { attempt statusCode outcome error latencyMs } }`;

export async function listAlerts(status?: 'OPEN' | 'ACKNOWLEDGED' | 'RESOLVED'): Promise<any[]> {
  const response = await gql(`query ($status: AlertStatus) { alerts(status: $status, first: 100) { totalCount edges { node { ${ALERT_FIELDS} } } } }`, { status });
  expect(response.errors).toBeUndefined();
  return response.data!.alerts.edges.map((edge: any) => edge.node);
}

/** A webhook channel to the local receiver under `id`, its secret handed to the receiver. */
export async function webhookChannel(name: string, id = name, script?: string): Promise<string> {
  const url = `${env.ALERT_RECEIVER_URL}/webhook/${id}${script ? `?script=${script}` : ''}`;
  const response = await gql('mutation ($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { channel { name } signingSecret } }', {
    input: { name, kind: 'WEBHOOK', url },
  });
  expect(response.errors).toBeUndefined();
  const secret = response.data!.createAlertChannel.signingSecret as string;
  await fetch(`${env.ALERT_RECEIVER_URL}/secrets/${id}`, { method: 'PUT', body: secret });
  return secret;
}

export async function channel(name: string, kind: 'SLACK' | 'DISCORD' | 'PAGERDUTY', id = name, extra: Record<string, unknown> = {}) {
  const response = await gql('mutation ($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { channel { name } signingSecret } }', {
    input: { name, kind, url: `${env.ALERT_RECEIVER_URL}/${kind.toLowerCase()}/${id}`, ...extra },
  });
  expect(response.errors).toBeUndefined();
}

export async function rule(input: Record<string, unknown>) {
  const response = await gql('mutation ($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { name } }', { input });
  expect(response.errors).toBeUndefined();
}

export interface Received {
  kind: string;
  number: number;
  headers: Record<string, string>;
  body: string;
  answer: number | 'hang';
  problems: string[];
  at: number;
}

/** What the receiver got under `id`. */
export async function received(id: string): Promise<Received[]> {
  return (await (await fetch(`${env.ALERT_RECEIVER_URL}/received/${id}`)).json()) as Received[];
}

export const payloads = (requests: Received[]) => requests.map((request) => JSON.parse(request.body));

export { readRun };
