import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HealthCheckHandler, MAX_DISPATCH_BYTES, WorkerHealthCheck, deriveWorkerSecret, type TestResult, type WorkerHealthCheckEnv } from '../../sdk/src/index';
import { accepted, callbackInput, fakeOrchestrator, type FakeOrchestratorOptions } from './fake-orchestrator';
import { dispatchRequest, type DispatchSigning } from './signed-dispatch';

const SIGNING_KEY = 'test-signing-key-0123456789abcdef';
const SECRET = await deriveWorkerSecret(SIGNING_KEY, 'test-worker');
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

/** Dispatches `body`, signed by default as the orchestrator signs it, and waits for the run. */
async function execute(handler: Pick<HealthCheckHandler, 'handleRequest'>, body: unknown, signing: DispatchSigning = { secret: SECRET }) {
  const ctx = createExecutionContext();
  const response = await handler.handleRequest(dispatchRequest('https://test-worker.example', body, signing), ctx);
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

  it('warns when it finished after the deadline', async () => {
    const { fake, handler } = setup();
    await execute(handler, { ...dispatch(), deadline: '2020-01-01T00:00:00.000Z' });
    expect(callbackInput(fake.callbacks()[0]!).warnings).toEqual(['Finished after the deadline 2020-01-01T00:00:00.000Z']);
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

describe('who may dispatch', () => {
  /** A handler whose checks record that they ran, over a fake orchestrator binding. */
  function guarded(env: Partial<WorkerHealthCheckEnv> = {}) {
    const fake = fakeOrchestrator();
    const runs: string[] = [];
    const handler = new HealthCheckHandler<WorkerHealthCheckEnv>(
      { ORCHESTRATOR: fake.fetcher, HEALTH_CHECK_SECRET: SECRET, ...env },
      {
        workerName: 'test-worker',
        workerType: 'test',
        healthCheck: (workerEnv, identity) => {
          runs.push(identity.workerName);
          return new OneOfEach(workerEnv, identity);
        },
        retry: { maxAttempts: 1 },
      },
    );
    return { fake, handler, runs };
  }

  const now = () => Math.floor(Date.now() / 1000);

  it('runs a dispatch signed with its own secret, within the five minutes', async () => {
    const { fake, handler, runs } = guarded();
    const response = await execute(handler, dispatch(), { secret: SECRET, id: 'dispatch_wc-1', timestamp: now() - 290 });
    expect(response.status).toBe(202);
    expect(runs).toEqual(['test-worker']);
    expect(fake.callbacks()).toHaveLength(1);
  });

  // Signing options made when the test runs: timestamps are relative to then.
  it.each<[string, () => DispatchSigning, RegExp]>([
    ['no signature headers at all', () => ({ secret: null }), /missing webhook-id, webhook-timestamp, webhook-signature/],
    ['no webhook-signature', () => ({ secret: SECRET, omit: ['webhook-signature'] }), /missing webhook-signature$/],
    ['no webhook-timestamp', () => ({ secret: SECRET, omit: ['webhook-timestamp'] }), /missing webhook-timestamp$/],
    ['no webhook-id', () => ({ secret: SECRET, omit: ['webhook-id'] }), /missing webhook-id$/],
    ['a forged signature', () => ({ secret: SECRET, signature: `v1,${btoa('x'.repeat(32))}` }), /No matching signature/],
    ['a signature of another version', () => ({ secret: SECRET, signature: 'v2,abc' }), /No matching signature/],
    ['a timestamp over five minutes old', () => ({ secret: SECRET, timestamp: now() - 301 }), /too old/],
    ['a timestamp over five minutes ahead', () => ({ secret: SECRET, timestamp: now() + 301 }), /too new/],
    ['a timestamp that is no number', () => ({ secret: SECRET, timestamp: Number.NaN }), /Invalid Signature Headers/],
  ])('refuses with 401, running and calling nothing: %s', async (_, signing, reason) => {
    const { fake, handler, runs } = guarded();
    const response = await execute(handler, dispatch(), signing());
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ error: expect.stringMatching(reason) });
    expect(runs).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it("refuses with 401 a dispatch signed with another worker's secret", async () => {
    const { fake, handler, runs } = guarded();
    const otherSecret = await deriveWorkerSecret(SIGNING_KEY, 'other-worker');
    const response = await execute(handler, dispatch(), { secret: otherSecret });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "The dispatch's signature was refused: No matching signature found" });
    expect(runs).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses with 401 a body changed after it was signed', async () => {
    const { fake, handler, runs } = guarded();
    const body = JSON.stringify(dispatch());
    const signed = dispatchRequest('https://test-worker.example', body, { secret: SECRET });
    const tampered = body.replace(CALLBACK_URL, 'https://attacker.example/graphql');
    const ctx = createExecutionContext();
    const response = await handler.handleRequest(new Request(signed.url, { method: 'POST', headers: signed.headers, body: tampered }), ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(401);
    expect(runs).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses with 401 before validating: an unsigned caller learns nothing from the body', async () => {
    const { handler, runs } = guarded();
    const response = await execute(handler, '{"worker_check_uuid": ', { secret: null });
    expect(response.status).toBe(401);
    expect(runs).toEqual([]);
  });

  it('refuses with 403 a dispatch properly signed but naming another worker', async () => {
    const { fake, handler, runs } = guarded();
    const response = await execute(handler, { ...dispatch(), worker_name: 'other-worker' });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'This worker is "test-worker", not "other-worker"' });
    expect(runs).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('runs a signed dispatch that names no worker', async () => {
    const { handler, runs } = guarded();
    const { worker_name: _, ...unnamed } = dispatch();
    expect((await execute(handler, unnamed)).status).toBe(202);
    expect(runs).toEqual(['test-worker']);
  });

  it('refuses with 413 a body over the limit, and stops reading it there', async () => {
    const { handler, runs } = guarded();
    const huge = JSON.stringify({ ...dispatch(), padding: 'x'.repeat(MAX_DISPATCH_BYTES) });
    expect((await execute(handler, huge)).status).toBe(413);
    // A stream with no Content-Length that never ends: only a reader that stops at the limit answers.
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    void writable.getWriter().write(new TextEncoder().encode(huge)).catch(() => {});
    const ctx = createExecutionContext();
    const streamed = await handler.handleRequest(new Request('https://test-worker.example/health-check/execute', { method: 'POST', body: readable }), ctx);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toEqual({ error: `The dispatch is larger than ${MAX_DISPATCH_BYTES} bytes` });
    expect(runs).toEqual([]);
  });
});

describe('where the result may go', () => {
  /** A worker without an ORCHESTRATOR binding: every orchestrator call is a global fetch. */
  function unbound(env: Partial<WorkerHealthCheckEnv>) {
    const seen: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      seen.push(`${request.method} ${request.url}`);
      return request.method === 'POST' ? accepted() : new Response('ok');
    });
    const handler = new HealthCheckHandler({ HEALTH_CHECK_SECRET: SECRET, ...env }, { workerName: 'test-worker', workerType: 'test' });
    return { handler, seen };
  }

  it('without a binding, calls back only to the origin of ORCHESTRATOR_URL', async () => {
    const { handler, seen } = unbound({ ORCHESTRATOR_URL: 'http://orchestrator.test/' });
    expect((await execute(handler, dispatch())).status).toBe(202);
    expect(seen).toEqual(['GET http://orchestrator.test/health', `POST ${CALLBACK_URL}`]);
  });

  it.each([
    ['another host', 'https://attacker.example/graphql'],
    ['another scheme', 'https://orchestrator.test/graphql'],
    ['another port', 'http://orchestrator.test:8080/graphql'],
  ])('without a binding, refuses with 400 a callback_url on %s, calling nothing', async (_, callbackUrl) => {
    const { handler, seen } = unbound({ ORCHESTRATOR_URL: 'http://orchestrator.test' });
    const response = await execute(handler, { ...dispatch(), callback_url: callbackUrl });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: `callback_url must be on http://orchestrator.test (ORCHESTRATOR_URL), not ${new URL(callbackUrl).origin}` });
    expect(seen).toEqual([]);
  });

  it('answers 503 when ORCHESTRATOR_URL is no URL, so the result could go nowhere known', async () => {
    const { handler, seen } = unbound({ ORCHESTRATOR_URL: 'orchestrator.test' });
    const response = await execute(handler, dispatch());
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'ORCHESTRATOR_URL is not a URL: "orchestrator.test"' });
    expect(seen).toEqual([]);
  });

  it('with a binding, delivers over it whatever host the callback_url names', async () => {
    const global = vi.spyOn(globalThis, 'fetch');
    const { fake, handler } = setup({}, { ORCHESTRATOR_URL: 'http://orchestrator.test' });
    const response = await execute(handler, { ...dispatch(), callback_url: 'https://orchestrator.internal/graphql' });
    expect(response.status).toBe(202);
    expect(fake.callbacks().map((c) => c.url)).toEqual(['https://orchestrator.internal/graphql']);
    expect(global).not.toHaveBeenCalled();
  });
});
