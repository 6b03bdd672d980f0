import { describe, expect, it } from 'vitest';
import { reportWorkerResultBody } from '../../sdk/src/callback';
import { clip, fitResult, UNNAMED_TEST } from '../../sdk/src/fit-result';
import { LIMITS, workerResultSchema, type TestResult, type WorkerResultPayload } from '../../sdk/src/protocol';

const test = (i: number, overrides: Partial<TestResult> = {}): TestResult => ({ name: `test ${i}`, status: 'passed', durationMs: 1, ...overrides });
const tests = (n: number, overrides: Partial<TestResult> = {}) => Array.from({ length: n }, (_, i) => test(i, overrides));

function payload(overrides: Partial<WorkerResultPayload> = {}): WorkerResultPayload {
  const now = new Date().toISOString();
  return {
    workerCheckUuid: 'wc-1',
    uptimeSeconds: 3,
    memoryUsageMb: null,
    cpuUsagePercent: null,
    responseTimeMs: 12,
    orchestratorConnectivity: true,
    externalApiConnectivity: null,
    databaseConnectivity: null,
    unitTests: [],
    performanceTests: [],
    integrationTests: [],
    errorMessage: null,
    warnings: [],
    startedAt: now,
    completedAt: now,
    ...overrides,
  };
}

/** What the orchestrator's own schema says of a fitted result. */
function accepted(result: WorkerResultPayload) {
  const { workerCheckUuid: _uuid, ...rest } = result;
  return workerResultSchema.safeParse(rest);
}

describe('fitting a result within the protocol limits', () => {
  it('cuts a suite over the limit to its first 200 tests and says how many were dropped', () => {
    const original = payload({ unitTests: tests(250), warnings: ['cold start'] });
    const fitted = fitResult(original);
    expect(fitted.unitTests).toHaveLength(LIMITS.testsPerSuite);
    expect(fitted.unitTests.map((t) => t.name)).toEqual(tests(200).map((t) => t.name));
    expect(fitted.warnings).toEqual(['cold start', 'unitTests: 50 of 250 tests dropped (at most 200 per suite)']);
    expect(accepted(fitted).success).toBe(true);
    // The orchestrator refuses the uncut result, which is why the SDK cuts it.
    expect(accepted(original).success).toBe(false);
    expect(original.unitTests).toHaveLength(250);
  });

  it('clips every text, names blank ones and keeps durations in range', () => {
    const fitted = fitResult(
      payload({
        performanceTests: [
          test(0, { name: 'n'.repeat(300), status: 'failed', error: 'e'.repeat(5000) }),
          test(1, { name: '   ', durationMs: -5 }),
          test(2, { durationMs: Number.NaN }),
          test(3, { durationMs: Number.POSITIVE_INFINITY }),
        ],
        errorMessage: 'm'.repeat(5000),
        warnings: ['w'.repeat(600)],
      }),
    );
    const [long, blank, nan, infinite] = fitted.performanceTests;
    expect(long!.name).toHaveLength(LIMITS.testName);
    expect(long!.name.endsWith('n…')).toBe(true);
    expect(long!.error).toHaveLength(LIMITS.error);
    expect(blank).toMatchObject({ name: UNNAMED_TEST, durationMs: 0 });
    expect(nan!.durationMs).toBe(0);
    expect(infinite!.durationMs).toBe(LIMITS.durationMs);
    expect(fitted.errorMessage).toHaveLength(LIMITS.error);
    expect(fitted.warnings[0]).toHaveLength(LIMITS.warning);
    expect(accepted(fitted).success).toBe(true);
  });

  it('keeps at most 100 warnings, the notes of what was cut among them', () => {
    const warnings = Array.from({ length: 150 }, (_, i) => `warning ${i}`);
    const fitted = fitResult(payload({ integrationTests: tests(201), warnings }));
    expect(fitted.warnings).toHaveLength(LIMITS.warnings);
    expect(fitted.warnings.slice(0, 98)).toEqual(warnings.slice(0, 98));
    expect(fitted.warnings.slice(98)).toEqual([
      'integrationTests: 1 of 201 tests dropped (at most 200 per suite)',
      'warnings: 52 of 150 dropped (at most 100)',
    ]);
    expect(accepted(fitted).success).toBe(true);
  });

  it('clips harder, then drops tests from the largest suite, while the whole is too large', () => {
    const fitted = fitResult(payload({ unitTests: tests(100), performanceTests: tests(40) }), (candidate) => candidate.unitTests.length <= 50);
    expect(fitted.unitTests.length).toBeLessThanOrEqual(50);
    expect(fitted.performanceTests).toHaveLength(40);
    // Only what was cut is said: no test had an error to clip.
    expect(fitted.warnings).toEqual([`unitTests: ${100 - fitted.unitTests.length} of 100 tests dropped (the result must stay within ${LIMITS.callbackBytes} bytes)`]);
  });

  it('says how many errors it clipped harder, and to what', () => {
    const fitted = fitResult(payload({ unitTests: [test(0, { error: 'e'.repeat(1000) }), test(1, { error: 'short' })] }), (candidate) =>
      candidate.unitTests.every((t) => (t.error?.length ?? 0) <= 100),
    );
    expect(fitted.unitTests.map((t) => t.error)).toEqual([`${'e'.repeat(99)}…`, 'short']);
    expect(fitted.warnings).toEqual([`1 test error clipped to 100 characters (the result must stay within ${LIMITS.callbackBytes} bytes)`]);
  });

  it('never splits a surrogate pair when clipping', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcd', 3)).toBe('ab…');
    const clipped = clip(`${'a'.repeat(198)}😀b`, 200);
    expect(clipped).toBe(`${'a'.repeat(198)}…`);
  });
});

describe('the callback body', () => {
  it('stays within the bytes the orchestrator reads, even with every suite full of long errors', () => {
    const full = tests(LIMITS.testsPerSuite, { status: 'failed', error: 'x'.repeat(LIMITS.error) });
    const body = reportWorkerResultBody(payload({ unitTests: full, performanceTests: full, integrationTests: full }));
    expect(new TextEncoder().encode(body).byteLength).toBeLessThanOrEqual(LIMITS.callbackBytes);
    const { workerCheckUuid: _uuid, ...input } = JSON.parse(body).variables.input;
    // Every test is still reported; only their errors are shorter, and the result says so.
    expect(input.unitTests).toHaveLength(200);
    expect(input.integrationTests).toHaveLength(200);
    expect(input.warnings.some((warning: string) => /^600 test errors clipped to \d+ characters/.test(warning))).toBe(true);
    const lowerCased = (list: { status: string }[]) => list.map((t) => ({ ...t, status: t.status.toLowerCase() }));
    const asSent = { ...input, unitTests: lowerCased(input.unitTests), performanceTests: lowerCased(input.performanceTests), integrationTests: lowerCased(input.integrationTests) };
    expect(workerResultSchema.safeParse(asSent).success).toBe(true);
  });
});
