import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { deriveWorkerSecret, REPORT_WORKER_RESULT_MUTATION, signedHeaders } from '../../sdk/src/protocol';
import { gql, type GraphQLResponse } from '../helpers/graphql';
import { FLEET as MANIFEST, registration } from '../../fleet/manifest';

/** The demo fleet (fleet/manifest.ts) as `registerWorker` inputs. */
export const FLEET = MANIFEST.map(registration);

/** Registers workers through the real admin mutation. */
export async function register(workers: { name: string; type: string; binding?: string; url?: string }[]) {
  for (const worker of workers) {
    const response = await gql('mutation ($input: RegisterWorkerInput!) { registerWorker(input: $input) { name } }', { input: worker });
    expect(response.errors).toBeUndefined();
  }
}

export const registerFleet = () => register(FLEET);

export async function initiate(input: Record<string, unknown> = {}): Promise<string> {
  const response = await gql(
    'mutation ($input: InitiateHealthCheckInput) { initiateHealthCheck(input: $input) { healthCheckUuid status totalWorkers message } }',
    { input },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.initiateHealthCheck.healthCheckUuid;
}

export const RUN_FIELDS = `uuid status totalWorkers completedWorkers passedWorkers failedWorkers overallHealthScore healthStatus
  aiAnalysis aiRecommendations completedAt
  workerResults { uuid workerName status healthScore healthStatus errorMessage responseTimeMs uptimeSeconds memoryUsageMb
    orchestratorConnectivity databaseConnectivity aiWorkerAnalysis
    unitTests { total passed failed results { name status durationMs error } }
    performanceTests { total passed failed results { name status durationMs error } }
    integrationTests { total passed failed results { name status durationMs error } } }`;

export async function readRun(uuid: string): Promise<any> {
  const response = await gql(`query ($uuid: ID!) { healthCheck(uuid: $uuid) { ${RUN_FIELDS} } }`, { uuid });
  expect(response.errors).toBeUndefined();
  return response.data!.healthCheck;
}

/** Polls until the run leaves RUNNING (or `until` holds), bounded so a hung run fails the test. */
export async function waitForRun(uuid: string, until: (run: any) => boolean = (run) => run.status !== 'RUNNING', timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await readRun(uuid);
    if (until(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${uuid} still ${run.status} after ${timeoutMs} ms: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const REPORT = REPORT_WORKER_RESULT_MUTATION;

export function resultInput(workerCheckUuid: string, overrides: Record<string, unknown> = {}) {
  const now = new Date().toISOString();
  return {
    workerCheckUuid,
    uptimeSeconds: 12,
    responseTimeMs: 40,
    orchestratorConnectivity: true,
    unitTests: [{ name: 'works', status: 'PASSED', durationMs: 1 }],
    performanceTests: [],
    integrationTests: [],
    warnings: [],
    startedAt: now,
    completedAt: now,
    ...overrides,
  };
}

/** A callback exactly as a worker sends it: the GraphQL body signed with a worker's secret. */
export async function signedReport(
  workerName: string,
  input: Record<string, unknown>,
  options: { webhookId?: string; timestamp?: number; secretOf?: string; signature?: string | null; url?: string } = {},
) {
  const body = JSON.stringify({ query: REPORT, variables: { input } });
  const id = options.webhookId ?? `msg_${crypto.randomUUID()}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const secret = await deriveWorkerSecret(env.HEALTH_CHECK_SIGNING_KEY, options.secretOf ?? workerName);
  const headers = signedHeaders(secret, id, body, timestamp);
  if (options.signature === null) delete headers['webhook-signature'];
  else if (options.signature !== undefined) headers['webhook-signature'] = options.signature;
  const response = await exports.default.fetch(options.url ?? 'http://orchestrator/graphql', { method: 'POST', headers, body });
  return { status: response.status, ...((await response.json()) as Omit<GraphQLResponse, 'status'>) };
}

export async function runRow(uuid: string) {
  return env.DB.prepare(
    'SELECT status, completed_workers, passed_workers, failed_workers FROM health_checks WHERE health_check_uuid = ?',
  )
    .bind(uuid)
    .first<{ status: string; completed_workers: number; passed_workers: number; failed_workers: number }>();
}
