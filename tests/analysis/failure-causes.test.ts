import { describe, expect, it } from 'vitest';
import { compareWithBaseline } from '../../domain/baselines';
import { classifyCheck, countsAgainstWorker, outcomeCause, type ClassifierInput } from '../../domain/failure-causes';
import {
  answeredMessage,
  CANCELLED_MESSAGE,
  deadlineMessage,
  NOT_DISPATCHED_MESSAGE,
  notRespondingMessage,
  parseFailureMessage,
} from '../../domain/failure-messages';
import { fail, pass, suite } from './fixtures';

const SDK_401 = JSON.stringify({ error: "The dispatch's signature was refused: No matching signature found" });
const SDK_403 = JSON.stringify({ error: 'This worker is "agent-factory", not "impostor"' });
const SDK_503 = JSON.stringify({ error: 'HEALTH_CHECK_SECRET is not set' });

const empty = suite([]);
function failed(errorMessage: string | null, status: 'failed' | 'timeout' = 'failed'): ClassifierInput {
  // The columns' defaults for a check without a result: connectivity FALSE, no tests.
  return {
    status,
    errorMessage,
    unitTests: empty,
    performanceTests: empty,
    integrationTests: empty,
    orchestratorConnectivity: false,
    databaseConnectivity: false,
    externalApiConnectivity: false,
  };
}

describe('the failure messages, named once', () => {
  it('reads back what the writers write', () => {
    expect(parseFailureMessage(notRespondingMessage('ghost', 'connect ECONNREFUSED 127.0.0.1:9'))).toEqual({
      kind: 'not-responding',
      reason: 'connect ECONNREFUSED 127.0.0.1:9',
    });
    expect(parseFailureMessage(answeredMessage('billing', 401, `  ${SDK_401}  `))).toEqual({ kind: 'answered', httpStatus: 401, detail: SDK_401 });
    expect(parseFailureMessage(answeredMessage('billing', 502, ''))).toEqual({ kind: 'answered', httpStatus: 502, detail: null });
    expect(parseFailureMessage(deadlineMessage(30))).toEqual({ kind: 'deadline' });
    expect(parseFailureMessage(deadlineMessage())).toEqual({ kind: 'deadline' });
    expect(parseFailureMessage(CANCELLED_MESSAGE)).toEqual({ kind: 'cancelled' });
    expect(parseFailureMessage(NOT_DISPATCHED_MESSAGE)).toEqual({ kind: 'not-dispatched' });
    expect(parseFailureMessage('TypeError: x is undefined')).toBeNull();
    expect(parseFailureMessage(null)).toBeNull();
  });

  it('keeps the wording the orchestrator has always written', () => {
    expect(notRespondingMessage('ghost', 'boom')).toBe('Worker ghost not responding: boom');
    expect(answeredMessage('impostor', 401, 'x'.repeat(400))).toBe(`Worker impostor answered 401: ${'x'.repeat(300)}`);
    expect(deadlineMessage(30)).toBe('No result before the deadline (30 minutes): the worker may be slow, stuck or unable to reach the orchestrator.');
    expect(CANCELLED_MESSAGE).toBe('Cancelled before the worker reported.');
  });
});

describe('the failure classifier', () => {
  it.each([
    ['a 401 to the signed dispatch', answeredMessage('billing', 401, SDK_401), 'signature-refused'],
    ['a 403 that is not about identity', answeredMessage('billing', 403, 'Forbidden'), 'signature-refused'],
    ['the SDK saying it is another worker', answeredMessage('impostor', 403, SDK_403), 'wrong-worker'],
    ['no HEALTH_CHECK_SECRET', answeredMessage('billing', 503, SDK_503), 'secret-missing'],
    ['no answer', notRespondingMessage('ghost', 'Network connection lost.'), 'unreachable'],
    ['a 500', answeredMessage('billing', 500, 'Internal Server Error'), 'error-status'],
    ['a 404', answeredMessage('billing', 404, 'Not Found'), 'error-status'],
    ['a cancel', CANCELLED_MESSAGE, 'cancelled'],
    ['a run that never started', NOT_DISPATCHED_MESSAGE, 'not-dispatched'],
    ['anything else', 'Error: out of memory', 'failed'],
    ['no message', null, 'failed'],
  ])('reads %s as its cause, and nothing else', (_, message, kind) => {
    const causes = classifyCheck(failed(message));
    expect(causes.map((c) => c.kind)).toEqual([kind]);
  });

  it('reads a timed-out check as a timeout, whatever its message', () => {
    expect(classifyCheck(failed(deadlineMessage(30), 'timeout'))).toEqual([{ kind: 'timeout', detail: deadlineMessage(30) }]);
    expect(outcomeCause('timeout', null)).toEqual({ kind: 'timeout', detail: null });
  });

  it('keeps the HTTP status and the answer', () => {
    expect(outcomeCause('failed', answeredMessage('billing', 401, SDK_401))).toEqual({ kind: 'signature-refused', httpStatus: 401, detail: SDK_401 });
  });

  it('leaves cancelled and never-started checks out of the worker’s record', () => {
    expect(countsAgainstWorker(outcomeCause('failed', CANCELLED_MESSAGE))).toBe(false);
    expect(countsAgainstWorker(outcomeCause('failed', NOT_DISPATCHED_MESSAGE))).toBe(false);
    expect(countsAgainstWorker(outcomeCause('failed', notRespondingMessage('x', 'y')))).toBe(true);
    expect(countsAgainstWorker(outcomeCause('completed', null))).toBe(true);
  });

  it('reads a completed check into failing suites by kind, configured connectivity that failed, and slowdowns', () => {
    const input: ClassifierInput = {
      status: 'completed',
      errorMessage: null,
      unitTests: suite([pass('a'), fail('b', 'Error: expected 1, got 2')]),
      performanceTests: suite([pass('render', 300), fail('build', 'took 90 ms, budget 25 ms', 90)]),
      integrationTests: { total: 3, passed: 1, results: [] },
      orchestratorConnectivity: true,
      databaseConnectivity: false,
      externalApiConnectivity: null,
    };
    const comparisons = compareWithBaseline(
      { responseTimeMs: 100, performanceTests: input.performanceTests.results },
      { checks: 5, responseTimeMs: 100, testDurationsMs: { render: 200, build: 88 } },
    );
    const causes = classifyCheck(input, comparisons);
    const label = (c: (typeof causes)[number]) =>
      c.kind === 'failing-tests' ? `${c.suite} tests` : c.kind === 'connectivity' ? `no ${c.check}` : c.kind === 'slow' ? `slow ${c.comparison.testName}` : c.kind;
    // Suites in order, then connectivity, then slowdowns ("build" is within 25% of its baseline).
    expect(causes.map(label)).toEqual(['unit tests', 'performance tests', 'integration tests', 'no database', 'slow render']);
    const integration = causes.find((c) => c.kind === 'failing-tests' && c.suite === 'integration');
    expect(integration).toMatchObject({ failing: 2, failed: [], total: 3 });
  });

  it('says nothing of connectivity that is not configured, nor of a check without a result', () => {
    const healthy: ClassifierInput = {
      status: 'completed',
      errorMessage: null,
      unitTests: suite([pass('a')]),
      performanceTests: empty,
      integrationTests: empty,
      orchestratorConnectivity: true,
      databaseConnectivity: null,
      externalApiConnectivity: null,
    };
    expect(classifyCheck(healthy)).toEqual([]);
    // A failed dispatch's columns say FALSE by default: not a finding.
    expect(classifyCheck(failed(answeredMessage('billing', 401, SDK_401))).some((c) => c.kind === 'connectivity')).toBe(false);
  });
});
