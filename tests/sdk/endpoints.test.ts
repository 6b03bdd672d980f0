import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { HealthCheckHandler, deriveWorkerSecret, type StatusBody, type QuickBody, type WorkerHealthCheckEnv } from '../../sdk/src/index';
import { fakeOrchestrator, type FakeOrchestratorOptions } from './fake-orchestrator';

const SECRET = await deriveWorkerSecret('test-signing-key-0123456789abcdef', 'agent-factory');

function get(path: string, orchestrator: FakeOrchestratorOptions = {}, extra: Partial<WorkerHealthCheckEnv> = {}, method = 'GET') {
  const fake = fakeOrchestrator(orchestrator);
  const handler = new HealthCheckHandler({ ORCHESTRATOR: fake.fetcher, HEALTH_CHECK_SECRET: SECRET, ...extra }, { workerName: 'agent-factory', workerType: 'agent-factory' });
  return handler.handleRequest(new Request(`https://agent-factory.example${path}`, { method }), createExecutionContext());
}

const isoDate = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe('GET /health-check/status', () => {
  it('answers application/health+json with the draft fields and the seed fields', async () => {
    const response = await get('/health-check/status');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/health+json');
    const body = (await response.json()) as StatusBody;
    expect(body).toMatchObject({
      status: 'pass',
      worker_name: 'agent-factory',
      worker_type: 'agent-factory',
      orchestrator_available: true,
      timestamp: isoDate,
      uptime_seconds: expect.any(Number),
    });
    expect(body.checks['orchestrator:connectivity']).toEqual([{ componentType: 'component', observedValue: expect.any(Number), observedUnit: 'ms', status: 'pass', time: isoDate }]);
    expect(body.checks.uptime).toEqual([{ componentType: 'system', observedValue: body.uptime_seconds, observedUnit: 's', status: 'pass', time: isoDate }]);
    expect(body.checks['database:connectivity']).toBeUndefined();
  });

  it('warns, still with 200, when the orchestrator cannot be reached', async () => {
    const response = await get('/health-check/status', { healthStatus: 502 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as StatusBody;
    expect(body.status).toBe('warn');
    expect(body.orchestrator_available).toBe(false);
    expect(body.checks['orchestrator:connectivity']![0]).toMatchObject({ status: 'warn', output: 'GET /health answered 502' });
  });

  it('includes the database and fails with 503 when the database is down', async () => {
    const up = (await (await get('/health-check/status', {}, { DB: env.DB })).json()) as StatusBody;
    expect(up.checks['database:connectivity']![0]).toMatchObject({ componentType: 'datastore', status: 'pass' });

    const broken = { prepare: () => ({ first: () => Promise.reject(new Error('D1_ERROR: no such database')) }) } as unknown as D1Database;
    const response = await get('/health-check/status', {}, { DB: broken });
    expect(response.status).toBe(503);
    const down = (await response.json()) as StatusBody;
    expect(down.status).toBe('fail');
    expect(down.checks['database:connectivity']![0]).toMatchObject({ status: 'fail', output: 'D1_ERROR: no such database' });
  });
});

describe('GET /health-check/quick', () => {
  it('answers the lightweight check with a measured response time', async () => {
    const response = await get('/health-check/quick', { healthDelayMs: 50 });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as QuickBody;
    expect(body).toEqual({
      worker_name: 'agent-factory',
      worker_type: 'agent-factory',
      status: 'healthy',
      response_time_ms: expect.any(Number),
      orchestrator_connectivity: true,
      timestamp: isoDate,
    });
    expect(Number.isInteger(body.response_time_ms)).toBe(true);
    expect(body.response_time_ms).toBeGreaterThanOrEqual(45);
  });

  it('says degraded when the orchestrator is unreachable', async () => {
    const body = (await (await get('/health-check/quick', { healthStatus: 500 })).json()) as QuickBody;
    expect(body).toMatchObject({ status: 'degraded', orchestrator_connectivity: false });
  });
});

describe('other requests under /health-check', () => {
  it('answers 404 JSON for an unknown path', async () => {
    const response = await get('/health-check/everything');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'Not found: /health-check/everything' });
  });

  it('answers 405 with Allow for the wrong method', async () => {
    const wrongGet = await get('/health-check/execute');
    expect(wrongGet.status).toBe(405);
    expect(wrongGet.headers.get('allow')).toBe('POST');
    expect(await wrongGet.json()).toEqual({ error: 'Method GET not allowed on /health-check/execute; use POST' });

    const wrongPost = await get('/health-check/status', {}, {}, 'POST');
    expect(wrongPost.status).toBe(405);
    expect(wrongPost.headers.get('allow')).toBe('GET');
  });
});
