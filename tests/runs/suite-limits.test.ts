import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { HealthCheckHandler, WorkerHealthCheck, deriveWorkerSecret, type TestResult } from '../../sdk/src/index';
import { LIMITS } from '../../sdk/src/protocol';
import { gql } from '../helpers/graphql';
import { dispatchRequest } from '../sdk/signed-dispatch';
import { initiate, register, waitForRun } from './helpers';

/**
 * A worker registered under the test-only silent worker's binding: the run object dispatches to
 * it for real, it accepts and stays silent, and the test then plays the worker's SDK side itself,
 * so the result travels the real path: the SDK builds and signs the callback, the orchestrator's
 * `reportWorkerResult` takes it.
 */
const BULK = { name: 'bulk-worker', type: 'bulk', binding: 'SILENT_WORKER' };

/** 250 unit tests and nothing else: 50 more than one suite may hold. */
class TwoHundredFiftyUnitTests extends WorkerHealthCheck {
  protected override async runBuiltInUnitTests(): Promise<TestResult[]> {
    return [];
  }
  protected override async runWorkerSpecificUnitTests(): Promise<TestResult[]> {
    return Array.from({ length: 250 }, (_, i) => ({ name: `unit ${i + 1}`, status: 'passed', durationMs: 0.5 }));
  }
}

/** The orchestrator under test as the worker's `ORCHESTRATOR` service binding. */
const orchestratorBinding = {
  fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
  connect(): Socket {
    throw new Error('no sockets');
  },
} satisfies Fetcher as Fetcher;

describe('a worker whose suite is over the limit', () => {
  it('is recorded COMPLETED with 200 tests and a warning saying how many were dropped, not timed out', async () => {
    await register([BULK]);
    const uuid = await initiate({ includePerformanceTests: false, includeIntegrationTests: false });
    const running = await waitForRun(uuid, (run) => run.workerResults[0].status === 'RUNNING');
    const workerCheckUuid: string = running.workerResults[0].uuid;

    const secret = await deriveWorkerSecret(env.HEALTH_CHECK_SIGNING_KEY, BULK.name);
    const handler = new HealthCheckHandler(
      { ORCHESTRATOR: orchestratorBinding, HEALTH_CHECK_SECRET: secret },
      { workerName: BULK.name, workerType: BULK.type, healthCheck: TwoHundredFiftyUnitTests },
    );
    const dispatch = {
      worker_check_uuid: workerCheckUuid,
      health_check_uuid: uuid,
      worker_name: BULK.name,
      options: { include_unit_tests: true, include_performance_tests: false, include_integration_tests: false, debug_mode: false },
      callback_url: 'http://orchestrator/graphql',
      deadline: new Date(Date.now() + 60_000).toISOString(),
    };
    const ctx = createExecutionContext();
    const accepted = await handler.handleRequest(dispatchRequest('https://bulk-worker', dispatch, { secret }), ctx);
    expect(accepted.status).toBe(202);
    await waitOnExecutionContext(ctx);

    const run = await waitForRun(uuid);
    expect(run.status).toBe('COMPLETED');
    const worker = run.workerResults[0];
    expect(worker).toMatchObject({ workerName: BULK.name, status: 'COMPLETED', errorMessage: null });
    expect(worker.unitTests).toMatchObject({ total: LIMITS.testsPerSuite, passed: LIMITS.testsPerSuite, failed: 0 });
    expect(worker.unitTests.results).toHaveLength(LIMITS.testsPerSuite);
    expect(worker.unitTests.results.at(-1).name).toBe('unit 200');

    const warnings = await gql('query ($uuid: ID!) { workerHealthCheck(uuid: $uuid) { warnings } }', { uuid: workerCheckUuid });
    expect(warnings.data!.workerHealthCheck.warnings).toContain('unitTests: 50 of 250 tests dropped (at most 200 per suite)');
  });
});
