/**
 * The official Standard Webhooks library (`standardwebhooks`) against the orchestrator, both ways:
 * it signs a callback the orchestrator accepts, and it verifies a dispatch the orchestrator really
 * sent (kept as it arrived by tests/workers/recording-worker.ts). Nothing here signs or verifies
 * with the project's own helpers, so a shared mistake in sdk/src/signing.ts could not hide.
 */
import { env, exports } from 'cloudflare:workers';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { serviceBinding } from '../../operations/service-binding';
import { seedRun } from '../helpers/fixtures';
import { codes, gql, type GraphQLResponse } from '../helpers/graphql';
import { FLEET, initiate, register, REPORT, resultInput, runRow, waitForRun } from './helpers';

const RECORDER = { name: 'recorder', type: 'recorder', binding: 'RECORDING_WORKER' };

/** A worker's secret as an admin reads it to configure that worker. */
async function secretOf(name: string): Promise<string> {
  const response = await gql('query ($name: String!) { workerSigningSecret(name: $name) }', { name });
  expect(response.errors).toBeUndefined();
  return response.data!.workerSigningSecret;
}

/** POSTs a callback signed by `standardwebhooks` itself: `sign(id, date, body)`, its headers by hand. */
async function librarySigned(
  secret: string,
  input: Record<string, unknown>,
  options: { id?: string; tamper?: boolean; extraSignature?: string } = {},
): Promise<GraphQLResponse> {
  const body = JSON.stringify({ query: REPORT, variables: { input } });
  const id = options.id ?? `msg_${crypto.randomUUID()}`;
  const date = new Date();
  const signature = new Webhook(secret).sign(id, date, body);
  const response = await exports.default.fetch('http://orchestrator/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(date.getTime() / 1000)),
      'webhook-signature': options.extraSignature ? `${options.extraSignature} ${signature}` : signature,
    },
    body: options.tamper ? body.replace('"uptimeSeconds":12', '"uptimeSeconds":13') : body,
  });
  return { status: response.status, ...((await response.json()) as Omit<GraphQLResponse, 'status'>) };
}

async function runningCheck(workerName: string) {
  const healthCheckUuid = await seedRun({ status: 'running' }, [{ workerName, status: 'running' }]);
  const row = await env.DB.prepare('SELECT worker_check_uuid FROM worker_health_checks WHERE health_check_uuid = ?')
    .bind(healthCheckUuid)
    .first<{ worker_check_uuid: string }>();
  return { healthCheckUuid, workerCheckUuid: row!.worker_check_uuid };
}

/** The dispatches the recording worker kept for a worker check, once there is one. */
async function recordedDispatches(workerCheckUuid: string) {
  const recorder = serviceBinding(env, RECORDER.binding);
  if (!recorder) throw new Error('no RECORDING_WORKER binding (vitest.config.ts)');
  for (let polls = 0; polls < 200; polls++) {
    const response = await recorder.fetch(`http://recorder/recorded/${workerCheckUuid}`);
    if (response.ok) return (await response.json()) as { method: string; url: string; headers: Record<string, string>; body: string }[];
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no dispatch recorded for ${workerCheckUuid}`);
}

describe('the official standardwebhooks library', () => {
  it('signs a callback that the orchestrator accepts', async () => {
    await register([FLEET[0]!]);
    const { healthCheckUuid, workerCheckUuid } = await runningCheck('agent-factory');
    const response = await librarySigned(await secretOf('agent-factory'), resultInput(workerCheckUuid));
    expect(response.errors).toBeUndefined();
    expect(response.data!.reportWorkerResult).toMatchObject({ success: true, message: expect.stringMatching(/^Recorded the result of agent-factory/) });
    expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 1 });
  });

  it('signs with several signatures in one header, one of them valid: accepted (the spec lets a sender rotate secrets)', async () => {
    await register([FLEET[0]!, FLEET[2]!]);
    const { workerCheckUuid } = await runningCheck('agent-factory');
    const stale = new Webhook(await secretOf('ui-factory')).sign('msg_x', new Date(), 'other body');
    const response = await librarySigned(await secretOf('agent-factory'), resultInput(workerCheckUuid), { extraSignature: stale });
    expect(response.errors).toBeUndefined();
    expect(response.data!.reportWorkerResult.success).toBe(true);
  });

  it('signs a callback that the orchestrator refuses once its body is changed, or with another worker\'s secret', async () => {
    await register([FLEET[0]!, FLEET[2]!]);
    const { workerCheckUuid } = await runningCheck('agent-factory');
    const tampered = await librarySigned(await secretOf('agent-factory'), resultInput(workerCheckUuid), { tamper: true });
    expect(codes(tampered)).toEqual(['UNAUTHENTICATED']);
    const otherWorker = await librarySigned(await secretOf('ui-factory'), resultInput(workerCheckUuid));
    expect(codes(otherWorker)).toEqual(['UNAUTHENTICATED']);
  });

  it('verifies a dispatch the orchestrator sent, and the run completes on a callback it signs', async () => {
    await register([RECORDER]);
    const healthCheckUuid = await initiate({ workerFilters: [RECORDER.name], includePerformanceTests: false });
    const { worker_check_uuid: workerCheckUuid } = (await env.DB.prepare('SELECT worker_check_uuid FROM worker_health_checks WHERE health_check_uuid = ?')
      .bind(healthCheckUuid)
      .first<{ worker_check_uuid: string }>())!;
    const [dispatch] = await recordedDispatches(workerCheckUuid);
    expect(dispatch).toMatchObject({ method: 'POST', url: expect.stringMatching(/\/health-check\/execute$/) });

    const secret = await secretOf(RECORDER.name);
    // verify() throws unless a v1 signature over "id.timestamp.body" matches and the timestamp is fresh.
    const verified = new Webhook(secret).verify(dispatch!.body, dispatch!.headers);
    expect(verified).toMatchObject({
      worker_check_uuid: workerCheckUuid,
      health_check_uuid: healthCheckUuid,
      worker_name: RECORDER.name,
      options: { include_unit_tests: true, include_performance_tests: false, include_integration_tests: true, debug_mode: false },
      // The orchestrator's /graphql, naming the run and the worker (operations/callback-route.ts).
      callback_url: `http://orchestrator/graphql?run=${healthCheckUuid}&worker=${RECORDER.name}`,
    });
    expect(dispatch!.headers['webhook-id']).toBe(`dispatch_${workerCheckUuid}`);
    expect(dispatch!.headers['content-type']).toMatch(/^application\/json/);
    // Only the receiving worker's own secret verifies it, and only over the bytes sent.
    expect(() => new Webhook(secret).verify(`${dispatch!.body} `, dispatch!.headers)).toThrow(/No matching signature/);
    await register([FLEET[0]!]);
    const anotherWorkersSecret = await secretOf('agent-factory');
    expect(() => new Webhook(anotherWorkersSecret).verify(dispatch!.body, dispatch!.headers)).toThrow(/No matching signature/);

    const callback = await librarySigned(secret, resultInput(workerCheckUuid));
    expect(callback.errors).toBeUndefined();
    const run = await waitForRun(healthCheckUuid);
    expect(run).toMatchObject({ status: 'COMPLETED', completedWorkers: 1, workerResults: [{ workerName: RECORDER.name, status: 'COMPLETED' }] });
  });
});
