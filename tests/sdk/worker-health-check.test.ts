import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkerHealthCheck, deriveWorkerSecret, type TestResult, type WorkerHealthCheckEnv } from '../../sdk/src/index';
import { fakeOrchestrator } from './fake-orchestrator';

const SECRET = await deriveWorkerSecret('test-signing-key-0123456789abcdef', 'test-worker');
const identity = { workerName: 'test-worker', workerType: 'test' };

afterEach(() => vi.restoreAllMocks());

function checks(overrides: Partial<WorkerHealthCheckEnv> = {}, orchestrator = fakeOrchestrator()) {
  return new WorkerHealthCheck({ ORCHESTRATOR: orchestrator.fetcher, HEALTH_CHECK_SECRET: SECRET, ...overrides }, identity);
}

describe('WorkerHealthCheck.run', () => {
  it('reports honest metrics: measured response time and uptime, no invented memory or CPU', async () => {
    const result = await checks({}, fakeOrchestrator({ healthDelayMs: 40 })).run({ workerCheckUuid: 'wc-1' });
    expect(result.memoryUsageMb).toBeNull();
    expect(result.cpuUsagePercent).toBeNull();
    expect(Number.isInteger(result.uptimeSeconds)).toBe(true);
    expect(result.uptimeSeconds).toBeGreaterThanOrEqual(0);
    // The orchestrator took 40 ms to answer, and the response time says so.
    expect(Number.isInteger(result.responseTimeMs)).toBe(true);
    expect(result.responseTimeMs).toBeGreaterThanOrEqual(35);
    expect(result.responseTimeMs).toBeLessThan(2000);
  });

  it('counts the orchestrator reachable only when GET /health answers 200', async () => {
    const orchestrator = fakeOrchestrator({ healthStatus: 503 });
    const result = await checks({}, orchestrator).run({ workerCheckUuid: 'wc-1' });
    expect(result.orchestratorConnectivity).toBe(false);
    expect(result.warnings).toEqual(['orchestrator unreachable: GET /health answered 503']);
    expect(orchestrator.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health']);
  });

  it('asks the orchestrator at the origin it was given', async () => {
    const orchestrator = fakeOrchestrator();
    await checks({}, orchestrator).run({ workerCheckUuid: 'wc-1', orchestratorUrl: 'http://orch.test:8787/graphql' });
    expect(orchestrator.requests[0]!.url).toBe('http://orch.test:8787/health');
  });

  it('reports no orchestrator connectivity when none is configured at all', async () => {
    const result = await new WorkerHealthCheck({ HEALTH_CHECK_SECRET: SECRET }, identity).run({ workerCheckUuid: 'wc-1' });
    expect(result.orchestratorConnectivity).toBe(false);
    expect(result.warnings[0]).toMatch(/No orchestrator configured/);
  });

  it('checks the database with SELECT 1 when a D1 binding is configured, and leaves it null otherwise', async () => {
    expect((await checks().run({ workerCheckUuid: 'wc-1' })).databaseConnectivity).toBeNull();
    expect((await checks({ DB: env.DB }).run({ workerCheckUuid: 'wc-1' })).databaseConnectivity).toBe(true);

    const broken = { prepare: () => ({ first: () => Promise.reject(new Error('D1_ERROR: database unavailable')) }) } as unknown as D1Database;
    const result = await checks({ DB: broken }).run({ workerCheckUuid: 'wc-1' });
    expect(result.databaseConnectivity).toBe(false);
    expect(result.warnings).toContain('database unreachable: D1_ERROR: database unavailable');
  });

  it('checks the external API when a URL is configured, and leaves it null otherwise', async () => {
    expect((await checks().run({ workerCheckUuid: 'wc-1' })).externalApiConnectivity).toBeNull();

    const fetch = vi.spyOn(globalThis, 'fetch').mockResolvedValueOnce(new Response('{}', { status: 200 }));
    expect((await checks({ EXTERNAL_API_URL: 'https://api.example.com/ping' }).run({ workerCheckUuid: 'wc-1' })).externalApiConnectivity).toBe(true);
    expect(new Request(fetch.mock.calls[0]![0]).url).toBe('https://api.example.com/ping');

    fetch.mockResolvedValueOnce(new Response('down', { status: 502 }));
    const down = await checks({ EXTERNAL_API_URL: 'https://api.example.com/ping' }).run({ workerCheckUuid: 'wc-1' });
    expect(down.externalApiConnectivity).toBe(false);
    expect(down.warnings).toEqual(['external API unreachable: GET https://api.example.com/ping answered 502']);
  });

  it('honours the include options, leaving excluded suites empty', async () => {
    class Custom extends WorkerHealthCheck {
      protected override async runWorkerSpecificPerformanceTests(): Promise<TestResult[]> {
        return [await this.runTest('perf', () => undefined)];
      }
      protected override async runWorkerSpecificIntegrationTests(): Promise<TestResult[]> {
        return [this.skipTest('integration', 'no upstream configured')];
      }
    }
    const make = () => new Custom({ ORCHESTRATOR: fakeOrchestrator().fetcher, HEALTH_CHECK_SECRET: SECRET }, identity);

    const all = await make().run({ workerCheckUuid: 'wc-1' });
    expect([all.unitTests.length, all.performanceTests.length, all.integrationTests]).toEqual([2, 1, [{ name: 'integration', status: 'skipped', durationMs: 0, error: 'no upstream configured' }]]);

    const none = await make().run({ workerCheckUuid: 'wc-1', includeUnitTests: false, includePerformanceTests: false, includeIntegrationTests: false });
    expect([none.unitTests, none.performanceTests, none.integrationTests]).toEqual([[], [], []]);
  });

  it('fails the built-in secret test when the secret is not a whsec_ secret', async () => {
    const result = await checks({ HEALTH_CHECK_SECRET: 'hunter2' }).run({ workerCheckUuid: 'wc-1' });
    expect(result.unitTests.find((t) => t.name === 'signing secret configured')).toMatchObject({ status: 'failed', error: expect.stringMatching(/whsec_/) });
    expect(result.unitTests.find((t) => t.name === 'crypto available')).toMatchObject({ status: 'passed' });
  });
});
