import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HealthCheckHandler, WorkerHealthCheck, deriveWorkerSecret, type TestResult, type WorkerHealthCheckEnv } from '../../sdk/src/index';
import { accepted, callbackInput, fakeOrchestrator, type FakeOrchestratorOptions } from './fake-orchestrator';

const SECRET = await deriveWorkerSecret('test-signing-key-0123456789abcdef', 'test-worker');
const CALLBACK_URL = 'http://orchestrator.test/graphql';

/** A worker with one test per suite, so which suites ran is visible in the result. */
class OneOfEach extends WorkerHealthCheck {
  protected override async runWorkerSpecificUnitTests(): Promise<TestResult[]> {
    return [await this.runTest('adds', () => expectEqual(1 + 1, 2))];
  }
  protected override async runWorkerSpecificPerformanceTests(): Promise<TestResult[]> {
    return [await this.runTest('fast enough', () => undefined)];
  }
  protected override async runWorkerSpecificIntegrationTests(): Promise<TestResult[]> {
    return [await this.runTest('upstream answers', () => Promise.reject(new Error('upstream answered 503')))];
  }
}

function expectEqual(actual: unknown, expected: unknown) {
  if (actual !== expected) throw new Error(`expected ${String(expected)}, got ${String(actual)}`);
}

function setup(orchestrator: FakeOrchestratorOptions = {}, env: Partial<WorkerHealthCheckEnv> = {}) {
  const fake = fakeOrchestrator(orchestrator);
  const handler = new HealthCheckHandler(
    { ORCHESTRATOR: fake.fetcher, HEALTH_CHECK_SECRET: SECRET, ...env },
    { workerName: 'test-worker', workerType: 'test', healthCheck: OneOfEach, retry: { baseDelayMs: 1, maxDelayMs: 4 } },
  );
  return { fake, handler };
}

async function execute(handler: Pick<HealthCheckHandler, 'handleRequest'>, body: unknown) {
  const ctx = createExecutionContext();
  const response = await handler.handleRequest(
    new Request('https://test-worker.example/health-check/execute', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) }),
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

const dispatch = (options: Record<string, unknown> = {}) => ({
  worker_check_uuid: 'wc-1',
  health_check_uuid: 'hc-1',
  worker_name: 'test-worker',
  options,
  callback_url: CALLBACK_URL,
  deadline: new Date(Date.now() + 60_000).toISOString(),
});

afterEach(() => vi.restoreAllMocks());

describe('POST /health-check/execute', () => {
  it('answers 202 at once, then delivers a signed reportWorkerResult with the results', async () => {
    const { fake, handler } = setup();
    const response = await execute(handler, dispatch());

    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: true, worker_check_uuid: 'wc-1' });

    const [callback, ...more] = fake.callbacks();
    expect(more).toHaveLength(0);
    expect(callback!.url).toBe(CALLBACK_URL);
    expect(callback!.headers['content-type']).toBe('application/json');
    // Verifies with the secret the orchestrator derives for this worker (standardwebhooks also
    // checks the timestamp is within five minutes).
    const verified = new Webhook(SECRET).verify(callback!.body, callback!.headers) as { query: string };
    expect(verified.query).toContain('reportWorkerResult(input: $input)');

    const input = callbackInput(callback!);
    expect(input).toMatchObject({
      workerCheckUuid: 'wc-1',
      orchestratorConnectivity: true,
      databaseConnectivity: null,
      externalApiConnectivity: null,
      memoryUsageMb: null,
      cpuUsagePercent: null,
      errorMessage: null,
      warnings: [],
    });
    expect(input.unitTests.map((t: TestResult) => [t.name, t.status])).toEqual([
      ['crypto available', 'PASSED'],
      ['signing secret configured', 'PASSED'],
      ['adds', 'PASSED'],
    ]);
    expect(input.performanceTests).toEqual([{ name: 'fast enough', status: 'PASSED', durationMs: expect.any(Number), error: null }]);
    expect(input.integrationTests).toEqual([{ name: 'upstream answers', status: 'FAILED', durationMs: expect.any(Number), error: 'upstream answered 503' }]);
    expect(Date.parse(input.completedAt)).toBeGreaterThanOrEqual(Date.parse(input.startedAt));
    // The orchestrator was asked GET /health before the result went out.
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health', 'POST /graphql']);
  });

  it('runs only the suites the options include', async () => {
    const { fake, handler } = setup();
    await execute(handler, dispatch({ include_unit_tests: false, include_performance_tests: true, include_integration_tests: false }));
    const input = callbackInput(fake.callbacks()[0]!);
    expect(input.unitTests).toEqual([]);
    expect(input.performanceTests.map((t: TestResult) => t.name)).toEqual(['fast enough']);
    expect(input.integrationTests).toEqual([]);
  });

  it.each([
    ['not JSON', '{"worker_check_uuid": ', /not valid JSON/],
    ['an array', '[]', /JSON object/],
    ['no worker_check_uuid', { callback_url: CALLBACK_URL }, /worker_check_uuid is required/],
    ['an empty worker_check_uuid', { worker_check_uuid: ' ', callback_url: CALLBACK_URL }, /worker_check_uuid is required/],
    ['no callback_url', { worker_check_uuid: 'wc-1' }, /callback_url is required/],
    ['a callback_url that is no URL', { worker_check_uuid: 'wc-1', callback_url: 'orchestrator/graphql' }, /callback_url is not a URL/],
    ['a callback_url that is not http', { worker_check_uuid: 'wc-1', callback_url: 'ftp://orchestrator/graphql' }, /http or https/],
    ['a non-boolean option', { ...dispatch({ include_unit_tests: 'yes' }) }, /options.include_unit_tests must be true or false/],
    ['a deadline that is no date', { ...dispatch(), deadline: 'soon' }, /deadline/],
  ])('answers 400 with an error for %s, and runs nothing', async (_, body, error) => {
    const { fake, handler } = setup();
    const response = await execute(handler, body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect((await response.json()) as { error: string }).toEqual({ error: expect.stringMatching(error) });
    expect(fake.requests).toHaveLength(0);
  });

  it('answers 503 when it has no usable secret, since its result could never be accepted', async () => {
    const { fake, handler } = setup({}, { HEALTH_CHECK_SECRET: '' });
    const response = await execute(handler, dispatch());
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'HEALTH_CHECK_SECRET is not set' });
    expect(fake.requests).toHaveLength(0);
  });

  it('reports a run that broke before any test with errorMessage set', async () => {
    const fake = fakeOrchestrator();
    const handler = new HealthCheckHandler(
      { ORCHESTRATOR: fake.fetcher, HEALTH_CHECK_SECRET: SECRET },
      {
        workerName: 'test-worker',
        workerType: 'test',
        healthCheck: () => {
          throw new Error('config file missing');
        },
      },
    );
    expect((await execute(handler, dispatch())).status).toBe(202);
    const input = callbackInput(fake.callbacks()[0]!);
    expect(input).toMatchObject({ workerCheckUuid: 'wc-1', errorMessage: 'config file missing', unitTests: [], orchestratorConnectivity: false });
  });

  it('turns a suite hook that throws outside runTest into one failed result and a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    class Broken extends WorkerHealthCheck {
      protected override async runWorkerSpecificIntegrationTests(): Promise<TestResult[]> {
        throw new Error('fixture not found');
      }
    }
    const fake = fakeOrchestrator();
    const handler = new HealthCheckHandler({ ORCHESTRATOR: fake.fetcher, HEALTH_CHECK_SECRET: SECRET }, { workerName: 'test-worker', workerType: 'test', healthCheck: Broken });
    await execute(handler, dispatch());
    const input = callbackInput(fake.callbacks()[0]!);
    expect(input.integrationTests).toEqual([{ name: 'integration test suite', status: 'FAILED', durationMs: 0, error: 'fixture not found' }]);
    expect(input.warnings).toEqual(['The integration test suite broke: fixture not found']);
    expect(input.unitTests).toHaveLength(2);
    expect(JSON.parse(String(warn.mock.calls[0]![0]))).toMatchObject({ event: 'suite.error', suite: 'integration' });
  });

  it('clips runaway texts to what the orchestrator accepts instead of losing the report', async () => {
    class Verbose extends WorkerHealthCheck {
      protected override async runWorkerSpecificUnitTests(): Promise<TestResult[]> {
        return [await this.runTest('x'.repeat(300), () => Promise.reject(new Error('e'.repeat(5000))))];
      }
    }
    const fake = fakeOrchestrator();
    const handler = new HealthCheckHandler({ ORCHESTRATOR: fake.fetcher, HEALTH_CHECK_SECRET: SECRET }, { workerName: 'test-worker', workerType: 'test', healthCheck: Verbose });
    await execute(handler, dispatch());
    const verbose = callbackInput(fake.callbacks()[0]!).unitTests[2];
    expect(verbose.name).toHaveLength(200);
    expect(verbose.error).toHaveLength(2000);
    expect(verbose.error.endsWith('e…')).toBe(true);
  });

  it('warns when dispatched under another name or finished after the deadline', async () => {
    const { fake, handler } = setup();
    await execute(handler, { ...dispatch(), worker_name: 'other-worker', deadline: '2020-01-01T00:00:00.000Z' });
    expect(callbackInput(fake.callbacks()[0]!).warnings).toEqual([
      'Dispatched as "other-worker" but configured as "test-worker"',
      'Finished after the deadline 2020-01-01T00:00:00.000Z',
    ]);
  });

  it('prints structured debug lines for a debug_mode run only', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const { handler } = setup();

    await execute(handler, dispatch({ debug_mode: false }));
    expect(log).not.toHaveBeenCalled();

    await execute(handler, { ...dispatch({ debug_mode: true }), worker_check_uuid: 'wc-debug' });
    const lines = log.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.every((l) => l.level === 'debug' && l.worker_check_uuid === 'wc-debug' && l.worker_name === 'test-worker')).toBe(true);
    expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(['run.start', 'connectivity', 'test', 'run.end', 'delivery.accepted']));
  });
});

describe('delivering the result', () => {
  it('retries 5xx answers and network errors with the same webhook-id, re-signed, until accepted', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { fake, handler } = setup({
      graphql: (attempt) => (attempt === 1 ? new Response('overloaded', { status: 503 }) : attempt === 2 ? 'network-error' : accepted()),
    });
    // Let the clock move 20 s at every reading so a re-used timestamp would show.
    const realNow = Date.now.bind(Date);
    let readings = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 20_000 * readings++);
    await execute(handler, dispatch());
    vi.mocked(Date.now).mockRestore();

    const attempts = fake.callbacks();
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.headers['webhook-id'])).size).toBe(1);
    expect(attempts[0]!.headers['webhook-id']).toMatch(/^msg_/);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    const timestamps = attempts.map((a) => Number(a.headers['webhook-timestamp']));
    expect(timestamps[0]).toBeLessThan(timestamps[1]!);
    expect(timestamps[1]).toBeLessThan(timestamps[2]!);
    for (const attempt of attempts) expect(() => new Webhook(SECRET).verify(attempt.body, attempt.headers)).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('gives up after five attempts when the orchestrator keeps failing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { fake, handler } = setup({ graphql: () => new Response('down', { status: 500 }) });
    await execute(handler, dispatch());
    expect(fake.callbacks()).toHaveLength(5);
    expect(JSON.parse(String(warn.mock.calls.at(-1)![0]))).toMatchObject({ event: 'delivery.gave_up', attempts: 5, reason: 'orchestrator answered 500' });
  });

  it('does not retry a 4xx answer', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { fake, handler } = setup({ graphql: () => new Response('{"error":"bad request"}', { status: 400 }) });
    await execute(handler, dispatch());
    expect(fake.callbacks()).toHaveLength(1);
    expect(JSON.parse(String(warn.mock.calls[0]![0]))).toMatchObject({ event: 'delivery.refused', status: 400 });
  });

  it('does not retry a 200 carrying GraphQL errors, and logs them', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const errors = [{ message: 'Result already recorded', extensions: { code: 'CONFLICT' } }];
    const { fake, handler } = setup({ graphql: () => Response.json({ data: null, errors }) });
    await execute(handler, dispatch());
    expect(fake.callbacks()).toHaveLength(1);
    expect(JSON.parse(String(warn.mock.calls[0]![0]))).toMatchObject({ event: 'delivery.graphql_errors', errors });
  });

  it('uses the global fetch, to the callback URL, when there is no ORCHESTRATOR binding', async () => {
    const seen: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      seen.push(`${request.method} ${request.url}`);
      return request.method === 'POST' ? accepted() : new Response('ok');
    });
    const handler = new HealthCheckHandler({ HEALTH_CHECK_SECRET: SECRET }, { workerName: 'test-worker', workerType: 'test' });
    expect((await execute(handler, dispatch())).status).toBe(202);
    expect(seen).toEqual(['GET http://orchestrator.test/health', `POST ${CALLBACK_URL}`]);
  });
});
