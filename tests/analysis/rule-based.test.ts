import { describe, expect, it } from 'vitest';
import {
  analyseRunByRules,
  analyseWorkerByRules,
  MAX_RUN_RECOMMENDATIONS,
  MAX_WORKER_RECOMMENDATIONS,
  ruleBasedAnalyser,
} from '../../domain/analysis/rule-based';
import type { Analysis, WorkerAnalysisInput } from '../../domain/analysis/types';
import { fail, pass, run, suite, uiFactory, worker } from './fixtures';

const healthy = worker({ workerName: 'agent-factory', databaseConnectivity: true, externalApiConnectivity: true });

function numbersIn(text: string): string[] {
  return [...text.matchAll(/\d+(?:\.\d+)?/g)].map((m) => String(Number(m[0])));
}

/** Every number the analysis states is in the input, or one of the allowed derived values. */
function expectNoInventedNumbers(analysis: Analysis, input: unknown, derived: number[]) {
  const allowed = new Set([
    ...numbersIn(JSON.stringify(input)),
    ...derived.map(String),
    // the documented constants: score bands, passing score, response-time target, isolate memory
    ...['0.9', '1.0', '0.7', '0.89', '0.4', '0.69', '0.0', '0.39', '200', '128'].map((n) => String(Number(n))),
  ]);
  const stated = numbersIn([analysis.analysis, ...analysis.recommendations].join('\n'));
  expect(stated.filter((n) => !allowed.has(n))).toEqual([]);
}

describe('rule-based worker analysis', () => {
  it('says what the score means, with its band', () => {
    const { analysis } = analyseWorkerByRules(uiFactory);
    expect(analysis).toContain('The ui-factory worker is degraded with a health score of 0.85, in the degraded band (0.7–0.89).');
    expect(analysis).toContain('Unit tests are passing (3/3).');
  });

  it('names the failing tests and quotes their errors, in text and recommendations', () => {
    const { analysis, recommendations } = analyseWorkerByRules(uiFactory);
    expect(analysis).toContain('Performance tests: 2/3 passed; "bundle build" failed (Error: build took 4200 ms, budget 3000 ms).');
    expect(analysis).toContain('"external AI service" failed (TimeoutError: no answer from AI service within 5000 ms)');
    expect(recommendations).toContain(
      'Fix the failing integration test "external AI service" on ui-factory: TimeoutError: no answer from AI service within 5000 ms.',
    );
  });

  it('reports what got slower than its baseline, with the right percentage', () => {
    const { analysis } = analyseWorkerByRules(uiFactory);
    // 168 ms against 120 ms
    expect(analysis).toContain('Response time is up 40% against its baseline of 120 ms (168 ms now).');
    // 300 ms against 200 ms, and 4200 ms against 2500 ms (68%)
    expect(analysis).toContain('Performance test "render p95" took 300 ms, 50% slower than its baseline of 200 ms.');
    expect(analysis).toContain('Performance test "bundle build" took 4200 ms, 68% slower than its baseline of 2500 ms.');
    // 60 ms against 58 ms is within the 25% tolerance
    expect(analysis).not.toContain('"cold start" took');
  });

  it('does not call a slowdown below 25% a regression', () => {
    const steady = worker({
      workerName: 'steady',
      responseTimeMs: 149,
      performanceTests: suite([pass('render p95', 249)]),
      baseline: { responseTimeMs: 120, testDurationsMs: { 'render p95': 200 } },
    });
    const { analysis, recommendations } = analyseWorkerByRules(steady);
    expect(analysis).toContain('Response time is 149 ms, in line with its baseline of 120 ms.');
    expect(analysis).not.toContain('slower');
    expect(recommendations.join('\n')).not.toContain('Investigate');
    // exactly 25% is one
    const edge = analyseWorkerByRules({ ...steady, responseTimeMs: 150 });
    expect(edge.analysis).toContain('Response time is up 25% against its baseline of 120 ms (150 ms now).');
  });

  it('ranks connectivity failures above failing tests, and failing tests above slowdowns', () => {
    const input = worker({
      workerName: 'data-factory',
      databaseConnectivity: false,
      performanceTests: suite([pass('query p95', 500), fail('bulk insert', 'Error: 3 rows rejected')]),
      baseline: { responseTimeMs: null, testDurationsMs: { 'query p95': 200 } },
      cpuUsagePercent: 95,
    });
    const { recommendations } = analyseWorkerByRules(input);
    const at = (needle: string) => recommendations.findIndex((r) => r.includes(needle));
    expect(at('connectivity to the database')).toBe(0);
    expect(at('"bulk insert"')).toBeGreaterThan(at('connectivity to the database'));
    expect(at('slowdown of performance test "query p95"')).toBeGreaterThan(at('"bulk insert"'));
    expect(at('CPU usage (95%)')).toBeGreaterThan(at('slowdown of performance test "query p95"'));
    expect(recommendations).toHaveLength(4);
  });

  it('explains a worker that could not be reached, and makes restoring it the first recommendation', () => {
    const input = worker({
      workerName: 'mail-factory',
      workerType: 'notifier',
      status: 'failed',
      errorMessage: 'Worker mail-factory not responding',
      unitTests: suite([]),
      performanceTests: suite([]),
      integrationTests: suite([]),
      orchestratorConnectivity: null,
      responseTimeMs: null,
    });
    expect(input.score).toBe(0);
    const { analysis, recommendations } = analyseWorkerByRules(input);
    expect(analysis).toBe(
      'The mail-factory worker (notifier) failed its health check and scores 0, in the critical band (0.0–0.39): Worker mail-factory not responding.',
    );
    expect(recommendations[0]).toMatch(/^Restore mail-factory \(Worker mail-factory not responding\)/);
  });

  it('explains a timed-out worker', () => {
    const input = worker({ workerName: 'search-factory', status: 'timeout' });
    const { analysis, recommendations } = analyseWorkerByRules(input);
    expect(analysis).toContain("did not report before the run's timeout and scores 0");
    expect(recommendations[0]).toContain('did not report in time');
  });

  it('reports failures it has no per-test results for', () => {
    const input = worker({ workerName: 'legacy', unitTests: { total: 4, passed: 2, results: [] } });
    const { analysis, recommendations } = analyseWorkerByRules(input);
    expect(analysis).toContain('Unit tests: 2/4 passed.');
    expect(recommendations[0]).toContain('Investigate the 2 failing unit tests on legacy');
  });

  it('caps a worker’s recommendations, most important kept', () => {
    const input = worker({
      workerName: 'flaky',
      databaseConnectivity: false,
      unitTests: suite(Array.from({ length: 12 }, (_, i) => fail(`case ${i + 1}`, 'Error: boom'))),
    });
    const { recommendations } = analyseWorkerByRules(input);
    expect(recommendations).toHaveLength(MAX_WORKER_RECOMMENDATIONS);
    expect(recommendations[0]).toContain('connectivity to the database');
    expect(recommendations[1]).toContain('"case 1"');
    expect(recommendations.at(-1)).toBe('See the analysis above for 4 further issues of lower or equal priority.');
  });

  it('recommends nothing but monitoring for a healthy worker', () => {
    expect(analyseWorkerByRules(healthy).recommendations).toEqual([
      'No action needed for agent-factory; keep it under regular health checks.',
    ]);
  });

  it('states no number that is not in the input or derived from it', () => {
    expectNoInventedNumbers(analyseWorkerByRules(uiFactory), uiFactory, [40, 50, 68]);
    const busy = worker({ workerName: 'busy', cpuUsagePercent: 88.5, memoryUsageMb: 120, responseTimeMs: 900, warnings: ['queue depth 1200'] });
    expectNoInventedNumbers(analyseWorkerByRules(busy), busy, []);
  });

  it('is deterministic', () => {
    const copy = structuredClone(uiFactory);
    expect(analyseWorkerByRules(copy)).toEqual(analyseWorkerByRules(uiFactory));
    expect(analyseWorkerByRules(uiFactory)).toEqual(analyseWorkerByRules(uiFactory));
  });
});

describe('rule-based run analysis', () => {
  const dataFactory = worker({ workerName: 'data-factory', databaseConnectivity: false });
  const searchFactory = worker({ workerName: 'search-factory', databaseConnectivity: false, unitTests: suite([fail('index', 'Error: shard 2 missing')]) });
  const mailFactory = worker({ workerName: 'mail-factory', status: 'timeout' });
  const workers: WorkerAnalysisInput[] = [healthy, uiFactory, dataFactory, searchFactory, mailFactory];
  const input = run(workers, { status: 'timeout', previousScores: [0.82, 0.9, 0.95] });

  it('describes overall health, the counts and the timeout', () => {
    const { analysis } = analyseRunByRules(input);
    expect(input.score).toBe(0.68);
    expect(analysis).toContain('The fleet is unhealthy with an overall health score of 0.68, in the unhealthy band (0.4–0.69).');
    expect(analysis).toContain('5 of 5 workers finished their check: 3 passed (score of at least 0.7) and 2 failed.');
    expect(analysis).toContain('The run hit its timeout; mail-factory did not report.');
  });

  it('lists the workers worst first', () => {
    const { analysis } = analyseRunByRules(input);
    const order = ['mail-factory 0', 'search-factory 0.625', 'ui-factory 0.85', 'data-factory 0.925', 'agent-factory 1'].map((s) =>
      analysis.indexOf(s),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('gives the trend against previous runs', () => {
    const { analysis, recommendations } = analyseRunByRules(input);
    expect(analysis).toContain('The score is down 0.14 from 0.82 in the previous run.');
    expect(analysis).toContain('The mean of the previous 3 runs is 0.89.');
    expect(analysis).toContain('It has fallen 3 runs in a row.');
    expect(recommendations.some((r) => r.startsWith('The fleet score fell 0.14 since the previous run'))).toBe(true);
    expect(analyseRunByRules(run([healthy], { previousScores: [1] })).analysis).toContain(
      'The score is stable against the previous run (1).',
    );
    expect(analyseRunByRules(run([healthy])).analysis).toContain('There are no earlier runs to compare with.');
  });

  it('ranks fleet-wide priorities: unreachable, shared connectivity cause, failing tests, regressions', () => {
    const { recommendations, analysis } = analyseRunByRules(input);
    expect(recommendations[0]).toContain('mail-factory did not report in time');
    expect(recommendations[1]).toBe(
      'Restore connectivity to the database for data-factory and search-factory: the same check fails on 2 workers, so look for a shared cause first (check the database binding, the credentials and the database’s status).',
    );
    expect(analysis).toContain('2 workers cannot reach the database: data-factory and search-factory.');
    // the worst worker's failing test comes before the better worker's
    const index = (needle: string) => recommendations.findIndex((r) => r.includes(needle));
    expect(index('"index" on search-factory')).toBeLessThan(index('"bundle build" on ui-factory'));
    expect(index('"external AI service"')).toBeLessThan(index("ui-factory's response time"));
    // no per-worker duplicates of the grouped connectivity recommendation
    expect(recommendations.filter((r) => r.includes("connectivity to the database"))).toHaveLength(1);
  });

  it('caps the recommendations and points to the workers’ own analyses', () => {
    const many = Array.from({ length: 6 }, (_, i) =>
      worker({ workerName: `w${i}`, unitTests: suite([fail('a', 'x'), fail('b', 'y')]) }),
    );
    const { recommendations } = analyseRunByRules(run(many));
    expect(recommendations).toHaveLength(MAX_RUN_RECOMMENDATIONS);
    expect(recommendations.at(-1)).toBe("See the workers' own analyses for 3 further recommendations.");
  });

  it('does not depend on the order of the workers', () => {
    const reversed = { ...input, workers: [...input.workers].reverse() };
    expect(analyseRunByRules(reversed)).toEqual(analyseRunByRules(input));
  });

  it('states no number that is not in the input or derived from it', () => {
    // derived: the percentages against baselines, the trend difference and the mean of previous runs
    expectNoInventedNumbers(analyseRunByRules(input), input, [40, 50, 68, 0.14, 0.89, 3, 2]);
  });

  it('says so when the whole fleet is fine', () => {
    expect(analyseRunByRules(run([healthy])).recommendations).toEqual([
      'No action needed; keep the fleet under regular health checks.',
    ]);
  });
});

describe('ruleBasedAnalyser', () => {
  it('implements Analyser with the same output as the pure functions', async () => {
    await expect(ruleBasedAnalyser.analyseWorker(uiFactory)).resolves.toEqual(analyseWorkerByRules(uiFactory));
    const input = run([healthy, uiFactory]);
    await expect(ruleBasedAnalyser.analyseRun(input)).resolves.toEqual(analyseRunByRules(input));
  });
});
