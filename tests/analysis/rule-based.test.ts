import { describe, expect, it } from 'vitest';
import { analyseAllByRules, analyseRunByRules, analyseWorkerByRules, MAX_RUN_RECOMMENDATIONS, MAX_WORKER_RECOMMENDATIONS, workerFindings } from '../../domain/analysis/rule-based';
import { SEVERITY_RANK } from '../../domain/analysis/ranking';
import type { Analysis, WorkerAnalysisInput } from '../../domain/analysis/types';
import { answeredMessage, CANCELLED_MESSAGE, deadlineMessage, notRespondingMessage } from '../../domain/failure-messages';
import { fail, pass, run, suite, uiFactory, worker } from './fixtures';

const healthy = worker({ workerName: 'agent-factory', databaseConnectivity: true, externalApiConnectivity: true });
const text = (analysis: Analysis) => [analysis.analysis, ...analysis.recommendations.map((r) => r.text)].join('\n');

function numbersIn(value: string): string[] {
  return [...value.matchAll(/\d+(?:\.\d+)?/g)].map((m) => String(Number(m[0])));
}

/** Every number the analysis states is in the input, or one of the allowed derived values. */
function expectNoInventedNumbers(analysis: Analysis, input: unknown, derived: number[]) {
  const allowed = new Set([
    ...numbersIn(JSON.stringify(input)),
    ...derived.map(String),
    // the documented constants: score bands, passing score, response-time target, the CLI's .dev.vars
    ...['0.9', '1.0', '0.7', '0.89', '0.4', '0.69', '0.0', '0.39', '200', '202'].map((n) => String(Number(n))),
  ]);
  expect(numbersIn(text(analysis)).filter((n) => !allowed.has(n))).toEqual([]);
}

/** Recommendations never rank a less severe one above a more severe one. */
function expectRankedBySeverity(analysis: Analysis) {
  const ranks = analysis.recommendations.map((r) => SEVERITY_RANK[r.severity]);
  expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
}

/** A worker whose check ended without a result: the row's defaults, as finalisation reads them. */
function withoutResult(workerName: string, errorMessage: string, status: 'failed' | 'timeout' = 'failed'): WorkerAnalysisInput {
  return worker({
    workerName,
    status,
    errorMessage,
    unitTests: suite([]),
    performanceTests: suite([]),
    integrationTests: suite([]),
    orchestratorConnectivity: null,
    databaseConnectivity: null,
    externalApiConnectivity: null,
    responseTimeMs: null,
  });
}

const SDK_401 = JSON.stringify({ error: "The dispatch's signature was refused: No matching signature found" });

describe('rule-based worker analysis', () => {
  it('says what the score means, with its band', () => {
    const { analysis } = analyseWorkerByRules(uiFactory);
    expect(analysis).toContain('The ui-factory worker is degraded with a health score of 0.85, in the degraded band (0.7–0.89).');
    expect(analysis).toContain('Unit tests are passing (3/3).');
  });

  it('names the failing tests and quotes their errors, in text and recommendations', () => {
    const { analysis, recommendations } = analyseWorkerByRules(uiFactory);
    expect(analysis).toContain('Performance tests: 2/3 passed; "bundle build" failed (Error: build took 4200 ms, budget 3000 ms)');
    expect(analysis).toContain('"external AI service" failed (TimeoutError: no answer from AI service within 5000 ms)');
    expect(recommendations.map((r) => r.text)).toContain(
      'Fix the failing integration test "external AI service" on ui-factory: TimeoutError: no answer from AI service within 5000 ms; it exercises what ui-factory depends on, so check that service too.',
    );
  });

  it('reports what got slower than its baseline, with the right percentage and the baseline it is against', () => {
    const { analysis } = analyseWorkerByRules(uiFactory);
    // 168 ms against 120 ms
    expect(analysis).toContain('Response time is up 40% against its baseline of 120 ms (168 ms now; median of its last 10 checks).');
    // 300 ms against 200 ms; the failing 4200 ms against 2500 ms (68%) is said with its failure
    expect(analysis).toContain('Performance test "render p95" took 300 ms, 50% slower than its baseline of 200 ms (median of its last 10 checks).');
    expect(analysis).toContain('"bundle build" failed (Error: build took 4200 ms, budget 3000 ms); it took 4200 ms, 68% slower than its baseline of 2500 ms');
    // 60 ms against 58 ms is within the margin
    expect(analysis).not.toContain('"cold start" took');
  });

  it('notices improvements too', () => {
    const faster = worker({
      workerName: 'faster',
      responseTimeMs: 80,
      performanceTests: suite([pass('render p95', 140), pass('cold start', 50)]),
      baseline: { checks: 4, responseTimeMs: 120, testDurationsMs: { 'render p95': 200, 'cold start': 52 } },
    });
    const { analysis, recommendations } = analyseWorkerByRules(faster);
    expect(analysis).toContain('Response time improved: 80 ms, down 33% against its baseline of 120 ms.');
    expect(analysis).toContain('Performance test "render p95" took 140 ms, 30% faster than its baseline of 200 ms (median of its last 4 checks).');
    expect(recommendations.map((r) => r.kind)).toEqual(['no-action']);
  });

  it('flags a regression only when worse than the baseline by more than the margin, which is configurable', () => {
    const steady = worker({
      workerName: 'steady',
      responseTimeMs: 150,
      performanceTests: suite([pass('render p95', 249)]),
      baseline: { checks: 10, responseTimeMs: 120, testDurationsMs: { 'render p95': 200 } },
    });
    // exactly 25% and 24.5% are within the default 25% margin
    const within = analyseWorkerByRules(steady);
    expect(within.analysis).toContain('Response time is 150 ms, in line with its baseline of 120 ms.');
    expect(within.analysis).not.toContain('slower');
    expect(within.recommendations.map((r) => r.kind)).toEqual(['no-action']);
    // 26% is a regression
    expect(analyseWorkerByRules({ ...steady, responseTimeMs: 151 }).analysis).toContain('Response time is up 26% against its baseline of 120 ms');
    // with a 10% margin both are
    const strict = analyseWorkerByRules(steady, { marginPercent: 10 });
    expect(strict.analysis).toContain('Response time is up 25% against its baseline of 120 ms');
    expect(strict.analysis).toContain('Performance test "render p95" took 249 ms, 25% slower than its baseline of 200 ms');
    expect(strict.recommendations.filter((r) => r.kind === 'slow').map((r) => r.severity)).toEqual(['medium', 'medium']);
  });

  it('says a failing performance test that is as slow as ever has been so all along', () => {
    const slow = worker({
      workerName: 'ui-factory',
      performanceTests: suite([fail('renders the dashboard within 25 ms', 'took 92.1 ms, budget 25 ms', 92.1)]),
      baseline: { checks: 4, responseTimeMs: null, testDurationsMs: { 'renders the dashboard within 25 ms': 89.4 } },
    });
    const { analysis, recommendations } = analyseWorkerByRules(slow);
    expect(analysis).toContain(
      '"renders the dashboard within 25 ms" failed (took 92.1 ms, budget 25 ms); it took 92.1 ms, in line with its baseline of 89.4 ms (median of its last 4 checks), +3%.',
    );
    expect(recommendations[0]).toMatchObject({ severity: 'medium', kind: 'failing-tests', workerName: 'ui-factory' });
    expect(recommendations[0]!.text).toContain('so it has been this slow all along');
  });

  describe('advice that fits the cause, and nothing about checks the worker does not have', () => {
    const ABSENT = /database|external API|deployed|service binding/;

    it('a refused signature: the secret, and how to reset it with the CLI', () => {
      const input = withoutResult('billing', answeredMessage('billing', 401, SDK_401));
      const result = analyseWorkerByRules(input);
      expect(result.analysis).toContain("The billing worker refused the orchestrator's signed dispatch (HTTP 401:");
      expect(result.analysis).toContain('HEALTH_CHECK_SECRET');
      expect(result.recommendations).toEqual([
        {
          severity: 'critical',
          workerName: 'billing',
          kind: 'signature-refused',
          text: "Reset billing's signing secret: run `worker-health workers secret billing --wrangler-put` (or `worker-health workers secret billing --dev-vars .dev.vars` locally), then redeploy or restart billing so its HEALTH_CHECK_SECRET matches the one the orchestrator signs with.",
        },
      ]);
      expect(text(result)).not.toMatch(ABSENT);
    });

    it('a worker without any secret', () => {
      const result = analyseWorkerByRules(withoutResult('billing', answeredMessage('billing', 503, '{"error":"HEALTH_CHECK_SECRET is not set"}')));
      expect(result.recommendations[0]).toMatchObject({ severity: 'critical', kind: 'secret-missing' });
      expect(result.recommendations[0]!.text).toContain('`worker-health workers secret billing --wrangler-put`');
      expect(text(result)).not.toMatch(ABSENT);
    });

    it('a registry entry that reaches another worker', () => {
      const result = analyseWorkerByRules(withoutResult('impostor', answeredMessage('impostor', 403, '{"error":"This worker is \\"agent-factory\\", not \\"impostor\\""}')));
      expect(result.recommendations[0]).toMatchObject({ severity: 'critical', kind: 'wrong-worker' });
      expect(result.recommendations[0]!.text).toContain('worker-health workers update impostor');
    });

    it('unreachable: deployment and the binding or URL', () => {
      const input = withoutResult('ghost', notRespondingMessage('ghost', 'connect ECONNREFUSED 127.0.0.1:9'));
      const result = analyseWorkerByRules(input);
      expect(result.analysis).toBe(
        'The ghost worker did not answer its dispatch (connect ECONNREFUSED 127.0.0.1:9) and scores 0, in the critical band (0.0–0.39).',
      );
      expect(result.recommendations).toHaveLength(1);
      expect(result.recommendations[0]).toMatchObject({ severity: 'critical', kind: 'unreachable' });
      expect(result.recommendations[0]!.text).toMatch(/^Restore ghost: its dispatch got no answer .* Check that it is deployed and that its service binding or URL/);
      expect(text(result)).not.toMatch(/database|external API|secret/i);
    });

    it('an error status: its logs, or the route it lacks', () => {
      const crashed = analyseWorkerByRules(withoutResult('billing', answeredMessage('billing', 500, 'Internal Server Error')));
      expect(crashed.recommendations[0]).toMatchObject({ severity: 'critical', kind: 'error-status' });
      expect(crashed.recommendations[0]!.text).toContain('look at its logs for the error it threw on POST /health-check/execute');
      const missing = analyseWorkerByRules(withoutResult('billing', answeredMessage('billing', 404, 'Not Found')));
      expect(missing.recommendations[0]!.text).toContain('it does not serve POST /health-check/execute');
      for (const result of [crashed, missing]) expect(text(result)).not.toMatch(/database|external API|secret/i);
    });

    it('a timeout: why it did not report in time', () => {
      const result = analyseWorkerByRules(withoutResult('search-factory', deadlineMessage(30), 'timeout'));
      expect(result.analysis).toContain("did not report before the run's deadline and scores 0");
      expect(result.recommendations).toHaveLength(1);
      expect(result.recommendations[0]).toMatchObject({ severity: 'critical', kind: 'timeout' });
      expect(result.recommendations[0]!.text).toContain('did not report in time');
      expect(text(result)).not.toMatch(/database|external API/);
    });

    it('a cancel: nothing to fix on the worker', () => {
      const result = analyseWorkerByRules(withoutResult('agent-factory', CANCELLED_MESSAGE));
      expect(result.recommendations).toEqual([
        expect.objectContaining({ severity: 'info', kind: 'cancelled', text: expect.stringMatching(/^Nothing to fix on agent-factory/) }),
      ]);
    });

    it('failing tests by kind: unit and integration high, performance medium', () => {
      const input = worker({
        workerName: 'data-factory',
        unitTests: suite([fail('parses rows', 'Error: expected 3, got 2')]),
        performanceTests: suite([fail('bulk insert within 50 ms', 'took 80 ms, budget 50 ms', 80)]),
        integrationTests: suite([fail('D1 round-trip', 'D1_ERROR: no such table')]),
      });
      const byKind = Object.fromEntries(analyseWorkerByRules(input).recommendations.map((r) => [r.text.split(' ').slice(0, 4).join(' '), r.severity]));
      expect(byKind).toEqual({
        'Fix the failing unit': 'high',
        'Fix the failing integration': 'high',
        'Bring the performance test': 'medium',
      });
    });

    it('configured connectivity that fails, and only that', () => {
      const input = worker({ workerName: 'data-factory', databaseConnectivity: false, externalApiConnectivity: null });
      const result = analyseWorkerByRules(input);
      expect(result.analysis).toContain('Connectivity: it cannot reach the database (the orchestrator reachable).');
      expect(result.recommendations[0]).toMatchObject({ severity: 'high', kind: 'connectivity' });
      expect(result.recommendations[0]!.text).toBe("Restore data-factory's connectivity to the database: check the database binding, the credentials and the database’s status.");
      expect(text(result)).not.toContain('external API');
    });

    it('a worker with neither a database nor an external API is told nothing about them', () => {
      const result = analyseWorkerByRules(worker({ workerName: 'ui-factory', databaseConnectivity: null, externalApiConnectivity: null }));
      expect(text(result)).not.toMatch(/database|external API/);
    });
  });

  it('ranks by severity: no result, then connectivity and failing tests, then slowdowns, then hints', () => {
    const input = worker({
      workerName: 'data-factory',
      databaseConnectivity: false,
      responseTimeMs: 900,
      performanceTests: suite([pass('query p95', 500), fail('bulk insert', 'Error: 3 rows rejected')]),
      unitTests: suite([fail('parses rows', 'Error: expected 3, got 2')]),
      baseline: { checks: 10, responseTimeMs: null, testDurationsMs: { 'query p95': 200 } },
      warnings: ['queue depth 1200'],
    });
    const result = analyseWorkerByRules(input);
    expectRankedBySeverity(result);
    expect(result.recommendations.map((r) => [r.severity, r.kind])).toEqual([
      ['high', 'connectivity'],
      ['high', 'failing-tests'],
      ['medium', 'failing-tests'],
      ['medium', 'slow'],
      ['low', 'response-time'],
      ['low', 'warnings'],
    ]);
  });

  it('reports failures it has no per-test results for', () => {
    const input = worker({ workerName: 'legacy', unitTests: { total: 4, passed: 2, results: [] } });
    const { analysis, recommendations } = analyseWorkerByRules(input);
    expect(analysis).toContain('Unit tests: 2/4 passed.');
    expect(recommendations[0]!.text).toContain('Investigate the 2 failing unit tests on legacy');
  });

  it('caps a worker’s recommendations, most severe kept', () => {
    const input = worker({
      workerName: 'flaky',
      databaseConnectivity: false,
      unitTests: suite(Array.from({ length: 12 }, (_, i) => fail(`case ${i + 1}`, 'Error: boom'))),
    });
    const { recommendations } = analyseWorkerByRules(input);
    expect(recommendations).toHaveLength(MAX_WORKER_RECOMMENDATIONS);
    expect(recommendations[0]!.text).toContain('connectivity to the database');
    expect(recommendations[1]!.text).toContain('"case 1"');
    expect(recommendations.at(-1)).toEqual({
      severity: 'high',
      workerName: 'flaky',
      kind: null,
      text: 'See the analysis above for 4 further issues of lower or equal severity.',
    });
  });

  it('recommends nothing but monitoring for a healthy worker', () => {
    expect(analyseWorkerByRules(healthy).recommendations).toEqual([
      { severity: 'info', workerName: 'agent-factory', kind: 'no-action', text: 'No action needed for agent-factory; keep it under regular health checks.' },
    ]);
  });

  it('states its score against its previous check, its trend and a prediction the history supports', () => {
    const day = 86_400_000;
    const start = Date.parse('2026-11-01T00:00:00Z');
    const history = [0.99, 0.98, 0.97, 0.96, 0.95].map((score, i) => ({ at: new Date(start + i * day), score }));
    const input = worker({ workerName: 'sliding', score: 0.94, healthStatus: 'healthy', history, checkedAt: new Date(start + 5 * day) });
    const findings = workerFindings(input);
    expect(findings.trend?.direction).toBe('falling');
    expect(findings.prediction?.intoBand).toBe('degraded');
    const { analysis, recommendations } = analyseWorkerByRules(input);
    expect(analysis).toContain('Its score is down 0.01 from 0.95 in its previous check.');
    expect(analysis).toContain('Its score is falling over its last 6 checks: −0.01 a day, −0.05 over them (least squares, R² 1).');
    expect(analysis).toContain('Prediction: at the rate of its last 6 checks');
    expect(recommendations).toContainEqual(expect.objectContaining({ kind: 'prediction', severity: 'low', text: expect.stringContaining('before around 2026-11-10') }));
    // Too short a history: no prediction
    expect(analyseWorkerByRules({ ...input, history: history.slice(-2) }).analysis).not.toContain('Prediction');
  });

  it('states no number that is not in the input or derived from it', () => {
    expectNoInventedNumbers(analyseWorkerByRules(uiFactory), uiFactory, [40, 50, 68]);
    const busy = worker({ workerName: 'busy', responseTimeMs: 900, warnings: ['queue depth 1200'] });
    expectNoInventedNumbers(analyseWorkerByRules(busy), busy, []);
  });

  it('is deterministic', () => {
    expect(analyseWorkerByRules(structuredClone(uiFactory))).toEqual(analyseWorkerByRules(uiFactory));
  });
});

describe('rule-based run analysis', () => {
  const dataFactory = worker({ workerName: 'data-factory', databaseConnectivity: false });
  const searchFactory = worker({ workerName: 'search-factory', databaseConnectivity: false, unitTests: suite([fail('index', 'Error: shard 2 missing')]) });
  const mailFactory = withoutResult('mail-factory', deadlineMessage(30), 'timeout');
  const workers: WorkerAnalysisInput[] = [healthy, uiFactory, dataFactory, searchFactory, mailFactory];
  const input = run(workers, { status: 'timeout', comparison: { sameWorkerSetScores: [0.82, 0.9, 0.95] } });

  it('describes overall health, the counts and the timeout', () => {
    const { analysis } = analyseRunByRules(input);
    expect(input.score).toBe(0.68);
    expect(analysis).toContain('The fleet is unhealthy with an overall health score of 0.68, in the unhealthy band (0.4–0.69).');
    expect(analysis).toContain('5 of 5 workers finished their check: 3 passed (score of at least 0.7) and 2 failed.');
    expect(analysis).toContain('The run hit its timeout; mail-factory did not report.');
  });

  it('lists the workers worst first', () => {
    const { analysis } = analyseRunByRules(input);
    const order = ['mail-factory 0', 'search-factory 0.625', 'ui-factory 0.85', 'data-factory 0.925', 'agent-factory 1'].map((s) => analysis.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('compares with earlier runs of the same workers, and says so', () => {
    const { analysis, recommendations } = analyseRunByRules(input);
    expect(analysis).toContain('The score is down 0.14 from 0.82 in the previous run of the same 5 workers.');
    expect(analysis).toContain('The mean of the previous 3 runs of the same 5 workers is 0.89.');
    expect(analysis).toContain('It has fallen 3 runs in a row.');
    expect(recommendations).toContainEqual(
      expect.objectContaining({ severity: 'medium', workerName: null, kind: 'fleet-trend', text: expect.stringMatching(/^The score fell 0.14 against the previous run of the same 5 workers/) }),
    );
    expect(analyseRunByRules(run([healthy], { comparison: { sameWorkerSetScores: [1] } })).analysis).toContain(
      'The score is stable against the previous run of the same worker (agent-factory) (1).',
    );
    expect(analyseRunByRules(run([healthy])).analysis).toContain('There are no earlier checks of this worker to compare with.');
  });

  it('compares a run of other workers than before worker by worker, never with another run’s score', () => {
    // A run filtered to one worker: no earlier run of just that worker, but its own history.
    const filtered = { ...healthy, history: [{ at: new Date('2026-11-01T00:00:00Z'), score: 0.92 }] };
    const { analysis } = analyseRunByRules(run([filtered]));
    expect(analysis).toContain(
      'No earlier run checked exactly this worker, so each is compared with its own previous check: the mean score of the worker is 1 now against 0.92 then (up 0.08).',
    );
    expect(analysis).not.toMatch(/previous run/);
    // Several workers, some new
    const pair = run([filtered, { ...uiFactory, history: [{ at: new Date('2026-11-01T00:00:00Z'), score: 0.95 }] }, worker({ workerName: 'new-one' })]);
    const text = analyseRunByRules(pair).analysis;
    expect(text).toContain('the mean score of the 2 of 3 workers that have one is 0.925 now against 0.935 then (down 0.01).');
    expect(text).toContain('Down since their previous check: ui-factory 0.95 → 0.85.');
  });

  it('ranks by severity: no result, shared causes, failing tests, regressions', () => {
    const result = analyseRunByRules(input);
    expectRankedBySeverity(result);
    const { recommendations, analysis } = result;
    expect(recommendations[0]).toMatchObject({ severity: 'critical', workerName: 'mail-factory', kind: 'timeout' });
    expect(recommendations[1]).toEqual({
      severity: 'high',
      workerName: null,
      kind: 'connectivity',
      text: 'Restore connectivity to the database for data-factory and search-factory: the same check fails on 2 workers, so look for a shared cause first (check the database binding, the credentials and the database’s status).',
    });
    expect(analysis).toContain('2 workers cannot reach the database: data-factory and search-factory.');
    const at = (needle: string) => recommendations.findIndex((r) => r.text.includes(needle));
    // the worst worker's failing test comes before the better worker's
    expect(at('"index" on search-factory')).toBeLessThan(at('"external AI service"'));
    expect(at('"external AI service"')).toBeLessThan(at("ui-factory's response time"));
    // no per-worker duplicates of the grouped connectivity recommendation
    expect(recommendations.filter((r) => r.text.includes('connectivity to the database'))).toHaveLength(1);
  });

  it('points at the signing key when several workers refuse their dispatch', () => {
    const refused = ['a', 'b'].map((name) => withoutResult(name, answeredMessage(name, 401, SDK_401)));
    const { recommendations } = analyseRunByRules(run(refused));
    expect(recommendations[0]).toMatchObject({ severity: 'critical', workerName: null, kind: 'signature-refused' });
    expect(recommendations[0]!.text).toContain('HEALTH_CHECK_SIGNING_KEY');
    expect(recommendations.filter((r) => r.kind === 'signature-refused' && r.workerName)).toHaveLength(2);
  });

  it('caps the recommendations and points to the workers’ own analyses', () => {
    const many = Array.from({ length: 6 }, (_, i) => worker({ workerName: `w${i}`, unitTests: suite([fail('a', 'x'), fail('b', 'y')]) }));
    const { recommendations } = analyseRunByRules(run(many));
    expect(recommendations).toHaveLength(MAX_RUN_RECOMMENDATIONS);
    expect(recommendations.at(-1)).toMatchObject({ severity: 'high', text: "See the workers' own analyses for 3 further recommendations." });
  });

  it('reuses the workers’ findings: the run and each worker from one computation', () => {
    const all = analyseAllByRules(input);
    expect(all.run).toEqual(analyseRunByRules(input));
    expect(all.workers.map((w) => w.analysis)).toEqual(workers.map((w) => analyseWorkerByRules(w)));
  });

  it('does not depend on the order of the workers', () => {
    expect(analyseRunByRules({ ...input, workers: [...input.workers].reverse() })).toEqual(analyseRunByRules(input));
  });

  it('states no number that is not in the input or derived from it', () => {
    // derived: the percentages against baselines, the difference and the mean of previous runs
    expectNoInventedNumbers(analyseRunByRules(input), input, [40, 50, 68, 0.14, 0.89, 3, 2, 5]);
  });

  it('says so when the whole fleet is fine', () => {
    expect(analyseRunByRules(run([healthy])).recommendations).toEqual([
      { severity: 'info', workerName: null, kind: 'no-action', text: 'No action needed; keep the fleet under regular health checks.' },
    ]);
  });
});
