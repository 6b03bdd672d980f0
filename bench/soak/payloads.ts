/**
 * What the soak's fleet sends: genuine results (varied, all within the protocol's limits, rendered
 * by the SDK's own `reportWorkerResultBody`), schema-invalid ones (well-typed GraphQL the protocol's
 * schema refuses), and the signed headers of each (the SDK's `signedHeaders`), forged ones included.
 */
import { randomBytes } from 'node:crypto';
import { reportWorkerResultBody } from '../../sdk/src/callback';
import { REPORT_WORKER_RESULT_MUTATION, signedHeaders, type TestResult, type WorkerResultPayload } from '../../sdk/src/protocol';

/** A small seeded PRNG (mulberry32), so a soak's shape is reproducible from its --seed. */
export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
/** A float with a few decimals that survives JSON and a REAL column unchanged. */
const decimal = (random: Random, max: number, places = 3) => Math.round(random() * max * 10 ** places) / 10 ** places;

function tests(random: Random, suite: string, count: number): TestResult[] {
  return Array.from({ length: count }, (_, index) => {
    const roll = random();
    const status = roll < 0.8 ? 'passed' : roll < 0.93 ? 'failed' : 'skipped';
    const test: TestResult = { name: `${suite} ${index + 1}: ${pick(random, ['reads', 'writes', 'renders', 'routes', 'signs'])} ${int(random, 1, 999)}`, status, durationMs: decimal(random, 900) };
    if (status === 'failed') test.error = `expected ${int(random, 0, 99)} but got ${int(random, 100, 199)} (café ✓)`;
    if (status === 'skipped') test.error = 'not configured here';
    return test;
  });
}

/** A genuine result for one worker check, as a worker would report it. */
export function genuineResult(random: Random, workerCheckUuid: string): WorkerResultPayload {
  const started = Date.now() - int(random, 50, 5_000);
  const healthy = random() < 0.75;
  return {
    workerCheckUuid,
    uptimeSeconds: int(random, 0, 86_400),
    memoryUsageMb: random() < 0.5 ? null : decimal(random, 512),
    cpuUsagePercent: random() < 0.5 ? null : decimal(random, 100),
    responseTimeMs: random() < 0.1 ? null : int(random, 1, healthy ? 400 : 4_000),
    orchestratorConnectivity: healthy || random() < 0.5,
    externalApiConnectivity: random() < 0.3 ? null : healthy || random() < 0.5,
    databaseConnectivity: random() < 0.3 ? null : healthy || random() < 0.5,
    unitTests: tests(random, 'unit', int(random, 0, 5)),
    performanceTests: tests(random, 'perf', int(random, 0, 3)),
    integrationTests: tests(random, 'integration', int(random, 0, 3)),
    errorMessage: healthy || random() < 0.7 ? null : `the run broke: ${pick(random, ['timeout talking to D1', 'upstream 502', 'OOM'])}`,
    warnings: random() < 0.8 ? [] : [`warning ${int(random, 1, 9)}`, ...(random() < 0.5 ? ['a second warning'] : [])],
    startedAt: new Date(started).toISOString(),
    completedAt: new Date(started + int(random, 0, 2_000)).toISOString(),
  };
}

/** The body the SDK would send for it: the same function the SDK's delivery uses. */
export const genuineBody = (payload: WorkerResultPayload): string => reportWorkerResultBody(payload);

/**
 * What the orchestrator should have stored as the result (`raw_results`, the coerced GraphQL input
 * without its uuid): test statuses in lower case, every test's error present (null when none).
 */
export function storedForm(payload: WorkerResultPayload): unknown {
  const { workerCheckUuid: _uuid, ...result } = payload;
  const suite = (list: TestResult[]) => list.map((test) => ({ name: test.name, status: test.status, durationMs: test.durationMs, error: test.error ?? null }));
  return { ...result, unitTests: suite(result.unitTests), performanceTests: suite(result.performanceTests), integrationTests: suite(result.integrationTests) };
}

/** The ways a malformed result breaks the protocol's schema while staying well-typed GraphQL. */
export const MALFORMED_KINDS = ['cpu-over-100', 'completed-before-started', 'negative-duration', 'blank-test-name', 'too-many-warnings', 'too-many-tests', 'negative-uptime', 'long-error'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/** A signed-able body whose result the orchestrator must refuse as BAD_USER_INPUT. */
export function malformedBody(random: Random, workerCheckUuid: string, kind: MalformedKind): string {
  const payload = genuineResult(random, workerCheckUuid);
  const input: Record<string, unknown> = {
    ...payload,
    unitTests: payload.unitTests.map((test) => ({ ...test, status: test.status.toUpperCase(), error: test.error ?? null })),
    performanceTests: payload.performanceTests.map((test) => ({ ...test, status: test.status.toUpperCase(), error: test.error ?? null })),
    integrationTests: payload.integrationTests.map((test) => ({ ...test, status: test.status.toUpperCase(), error: test.error ?? null })),
  };
  const test = (over: Record<string, unknown>) => ({ name: 'a test', status: 'PASSED', durationMs: 1, error: null, ...over });
  switch (kind) {
    case 'cpu-over-100':
      input.cpuUsagePercent = 100.5;
      break;
    case 'completed-before-started':
      input.completedAt = new Date(Date.parse(payload.startedAt) - 1_000).toISOString();
      break;
    case 'negative-duration':
      input.unitTests = [test({ durationMs: -1 })];
      break;
    case 'blank-test-name':
      input.integrationTests = [test({ name: '   ' })];
      break;
    case 'too-many-warnings':
      input.warnings = Array.from({ length: 101 }, (_, index) => `warning ${index}`);
      break;
    case 'too-many-tests':
      input.performanceTests = Array.from({ length: 201 }, (_, index) => test({ name: `t${index}` }));
      break;
    case 'negative-uptime':
      input.uptimeSeconds = -5;
      break;
    case 'long-error':
      input.errorMessage = 'x'.repeat(2_001);
      break;
  }
  return JSON.stringify({ query: REPORT_WORKER_RESULT_MUTATION, variables: { input } });
}

export const FORGED_KINDS = ['random-secret', 'other-workers-secret', 'body-changed-after-signing', 'stale-timestamp'] as const;
export type ForgedKind = (typeof FORGED_KINDS)[number];

/** A forged delivery of `body`: headers whose signature must be refused (UNAUTHENTICATED). */
export function forgedRequest(kind: ForgedKind, secret: string, otherSecret: string, webhookId: string, body: string): { headers: Record<string, string>; body: string } {
  switch (kind) {
    case 'random-secret':
      return { headers: signedHeaders(`whsec_${randomBytes(32).toString('base64')}`, webhookId, body), body };
    case 'other-workers-secret':
      return { headers: signedHeaders(otherSecret, webhookId, body), body };
    case 'body-changed-after-signing': {
      // Signed, then one value changed: a result tampered with in transit.
      const changed = body.replace('"orchestratorConnectivity":', '"orchestratorConnectivity" :');
      return { headers: signedHeaders(secret, webhookId, body), body: changed === body ? `${body} ` : changed };
    }
    case 'stale-timestamp':
      return { headers: signedHeaders(secret, webhookId, body, Math.floor(Date.now() / 1000) - 3_600), body };
  }
}
