import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import agentFactory from '../../fleet/agent-factory/index';
import dataFactory from '../../fleet/data-factory/index';
import migration from '../../fleet/data-factory/migrations/0001_init.sql?raw';
import { RENDER_BUDGET_MS } from '../../fleet/ui-factory/health';
import uiFactory from '../../fleet/ui-factory/index';
import { UPSTREAM_FAILURE_RATE, cryptoRandom, fetchRecommendations } from '../../fleet/ui-factory/ui';
import { deriveWorkerSecret } from '../../sdk/src/index';
import { callbackInput, fakeOrchestrator } from './fake-orchestrator';
import { dispatchHeaders } from './signed-dispatch';

const SIGNING_KEY = 'test-signing-key-0123456789abcdef';

// data-factory's D1 is stood in for by the test pool's D1 with data-factory's own migration applied.
beforeAll(async () => {
  const exists = await env.DB.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ingest_records'").first();
  if (exists) return;
  const statements = migration.split(';').map((s) => s.trim()).filter(Boolean);
  await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
});

type IncomingRequest = Request<unknown, IncomingRequestCfProperties>;
type FleetWorker = { fetch(request: IncomingRequest, env: any, ctx: ExecutionContext): Promise<Response> };

/** A request as a worker's fetch handler receives it. */
const incoming = (url: string, init?: RequestInit) => new Request(url, init) as IncomingRequest;

/** Dispatches one check to a fleet worker the way the orchestrator does; returns the reported input. */
async function checkWorker(worker: FleetWorker, name: string, extraEnv: Record<string, unknown> = {}) {
  const secret = await deriveWorkerSecret(SIGNING_KEY, name);
  const orchestrator = fakeOrchestrator();
  const ctx = createExecutionContext();
  const body = JSON.stringify({ worker_check_uuid: `wc-${name}`, worker_name: name, options: {}, callback_url: 'http://localhost:8787/graphql' });
  const response = await worker.fetch(
    incoming(`https://${name}.example/health-check/execute`, { method: 'POST', headers: dispatchHeaders(body, { secret }), body }),
    { ORCHESTRATOR: orchestrator.fetcher, HEALTH_CHECK_SECRET: secret, ORCHESTRATOR_URL: 'http://localhost:8787', ...extraEnv },
    ctx,
  );
  expect(response.status).toBe(202);
  await waitOnExecutionContext(ctx);
  const [callback] = orchestrator.callbacks();
  expect(() => new Webhook(secret).verify(callback!.body, callback!.headers)).not.toThrow();
  return callbackInput(callback!);
}

/** A test as it goes over the wire: `TestResultInput`, status as the GraphQL enum. */
type WireTest = { name: string; status: 'PASSED' | 'FAILED' | 'SKIPPED'; durationMs: number; error: string | null };

const summary = (tests: WireTest[]) => tests.map((t) => `${t.status} ${t.name}`);
const allPassed = (tests: WireTest[]) => tests.length > 0 && tests.every((t) => t.status === 'PASSED');

describe('agent-factory', () => {
  it('reports every test passed, the orchestrator reachable and no database', async () => {
    const input = await checkWorker(agentFactory, 'agent-factory');
    expect(summary(input.unitTests)).toEqual([
      'PASSED crypto available',
      'PASSED signing secret configured',
      'PASSED prompt template fills every placeholder',
      'PASSED prompt template refuses a missing value',
      'PASSED tool call arguments are checked against the JSON schema',
    ]);
    expect(allPassed(input.performanceTests) && allPassed(input.integrationTests)).toBe(true);
    expect(input).toMatchObject({ orchestratorConnectivity: true, databaseConnectivity: null, externalApiConnectivity: null, errorMessage: null, warnings: [] });
  });

  it('serves its own routes outside /health-check', async () => {
    const response = await agentFactory.fetch(
      incoming('https://agent-factory.example/agents/prompt', { method: 'POST', body: JSON.stringify({ agent_name: 'A', goal: 'g', language: 'Welsh', tools: 'none' }) }),
      { HEALTH_CHECK_SECRET: '' },
      createExecutionContext(),
    );
    expect(await response.json()).toEqual({ prompt: 'You are A, an agent that g. Answer in Welsh. Use only these tools: none.' });
  });
});

describe('data-factory', () => {
  it('reports the database reachable and a real D1 round trip passed, leaving no rows behind', async () => {
    const input = await checkWorker(dataFactory, 'data-factory', { DB: env.DB });
    expect(input.databaseConnectivity).toBe(true);
    expect(summary(input.integrationTests)).toEqual(['PASSED D1 round trip: insert, read back, delete', 'PASSED POST /ingest stores an upload that GET /records/count then counts']);
    expect(allPassed(input.unitTests) && allPassed(input.performanceTests)).toBe(true);
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM ingest_records WHERE source LIKE 'health-check%'").first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it('fails its D1 tests honestly when its table is missing', async () => {
    const empty = { prepare: (sql: string) => env.DB.prepare(sql.replace('ingest_records', 'no_such_table')), batch: (s: D1PreparedStatement[]) => env.DB.batch(s) } as unknown as D1Database;
    const input = await checkWorker(dataFactory, 'data-factory', { DB: empty });
    expect(input.integrationTests.map((t: WireTest) => t.status)).toEqual(['FAILED', 'FAILED']);
    expect(input.integrationTests[0].error).toMatch(/no such table/);
  });
});

describe('ui-factory', () => {
  it('is degraded by measurement: both naive renderers blow their budget, the linear one does not', async () => {
    const input = await checkWorker(uiFactory, 'ui-factory');
    expect(allPassed(input.unitTests)).toBe(true);
    const [cards, dashboard, table] = input.performanceTests as WireTest[];
    expect(cards).toMatchObject({ status: 'PASSED' });
    for (const slow of [dashboard!, table!]) {
      expect(slow.status).toBe('FAILED');
      expect(slow.error).toMatch(new RegExp(`^took \\d+\\.\\d ms, budget ${RENDER_BUDGET_MS} ms$`));
      expect(slow.durationMs).toBeGreaterThan(RENDER_BUDGET_MS);
    }
    // Two steady integration tests; the third depends on the flaky upstream and may go either way.
    const [card, page, upstream] = input.integrationTests as WireTest[];
    expect([card!.status, page!.status]).toEqual(['PASSED', 'PASSED']);
    expect(upstream!.name).toBe('recommendations upstream answers');
    if (upstream!.status === 'FAILED') expect(upstream!.error).toBe('recommendations upstream answered 503 Service Unavailable');
    else expect(upstream!.status).toBe('PASSED');
  });

  it('has an upstream that really fails about a third of the time', async () => {
    expect(await fetchRecommendations(() => 0.99)).toHaveLength(3);
    await expect(fetchRecommendations(() => 0)).rejects.toThrow('503');

    const calls = await Promise.allSettled(Array.from({ length: 300 }, () => fetchRecommendations()));
    const failureRate = calls.filter((c) => c.status === 'rejected').length / calls.length;
    // 1/3 ± 4.5 standard deviations for 300 calls: a false alarm about once in 150,000 runs.
    expect(UPSTREAM_FAILURE_RATE).toBeCloseTo(1 / 3);
    expect(failureRate).toBeGreaterThan(0.21);
    expect(failureRate).toBeLessThan(0.46);
    const sample = Array.from({ length: 1000 }, cryptoRandom);
    expect(Math.min(...sample)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...sample)).toBeLessThan(1);
  });
});

describe('every fleet worker', () => {
  it.each([
    ['agent-factory', agentFactory],
    ['data-factory', dataFactory],
    ['ui-factory', uiFactory],
  ] as const)('%s runs nothing for a dispatch not signed for it', async (name, worker: FleetWorker) => {
    const orchestrator = fakeOrchestrator();
    const workerEnv = { ORCHESTRATOR: orchestrator.fetcher, HEALTH_CHECK_SECRET: await deriveWorkerSecret(SIGNING_KEY, name), DB: env.DB };
    const dispatchTo = async (workerName: string, signing: Parameters<typeof dispatchHeaders>[1]) => {
      const body = JSON.stringify({ worker_check_uuid: 'wc-x', worker_name: workerName, options: {}, callback_url: 'http://localhost:8787/graphql' });
      const ctx = createExecutionContext();
      const response = await worker.fetch(incoming(`https://${name}.example/health-check/execute`, { method: 'POST', headers: dispatchHeaders(body, signing), body }), workerEnv, ctx);
      await waitOnExecutionContext(ctx);
      return response.status;
    };
    expect(await dispatchTo(name, { secret: null })).toBe(401);
    // What the orchestrator sends for another worker routed here by mistake: its name, its secret.
    expect(await dispatchTo('mute', { secret: await deriveWorkerSecret(SIGNING_KEY, 'mute') })).toBe(401);
    // Signed for this worker but naming another: refused too.
    expect(await dispatchTo('mute', { secret: workerEnv.HEALTH_CHECK_SECRET })).toBe(403);
    expect(orchestrator.requests).toHaveLength(0);
  });
});
