import { healthStatusFor } from '../../domain/health-status';
import type { RunAnalysisInput, TestResultInput, TestSuiteInput, WorkerAnalysisInput } from '../../domain/analysis/types';
import { countsForRun, scoreRun, scoreWorker } from '../../domain/scoring';

export function suite(results: TestResultInput[]): TestSuiteInput {
  return {
    total: results.length,
    passed: results.filter((r) => r.status === 'passed').length,
    results,
  };
}

export function pass(name: string, durationMs = 10): TestResultInput {
  return { name, status: 'passed', durationMs };
}

export function fail(name: string, error: string, durationMs = 10): TestResultInput {
  return { name, status: 'failed', durationMs, error };
}

type Draft = Omit<WorkerAnalysisInput, 'score' | 'healthStatus'> & Partial<Pick<WorkerAnalysisInput, 'score' | 'healthStatus'>>;

/** A worker input whose score and health status come from the real formula. */
export function worker(overrides: Partial<Draft> & { workerName: string }): WorkerAnalysisInput {
  const draft: Draft = {
    workerType: overrides.workerName,
    status: 'completed',
    unitTests: suite([pass('config loads'), pass('routes resolve')]),
    performanceTests: suite([pass('render p95', 100), pass('cold start', 50)]),
    integrationTests: suite([pass('orchestrator round-trip')]),
    orchestratorConnectivity: true,
    databaseConnectivity: null,
    externalApiConnectivity: null,
    responseTimeMs: 100,
    errorMessage: null,
    warnings: [],
    baseline: null,
    ...overrides,
  };
  const score = draft.score ?? scoreWorker(draft);
  return { ...draft, score, healthStatus: draft.healthStatus ?? healthStatusFor(score) };
}

/** A degraded worker like the demo fleet's ui-factory. */
export const uiFactory = worker({
  workerName: 'ui-factory',
  unitTests: suite([pass('component registry'), pass('template render'), pass('asset manifest')]),
  performanceTests: suite([
    pass('render p95', 300),
    fail('bundle build', 'Error: build took 4200 ms, budget 3000 ms', 4200),
    pass('cold start', 60),
  ]),
  integrationTests: suite([
    pass('orchestrator round-trip'),
    fail('external AI service', 'TimeoutError: no answer from AI service within 5000 ms'),
    pass('asset store'),
  ]),
  responseTimeMs: 168,
  baseline: { checks: 10, responseTimeMs: 120, testDurationsMs: { 'render p95': 200, 'cold start': 58, 'bundle build': 2500 } },
});

export function run(workers: WorkerAnalysisInput[], extra: Partial<RunAnalysisInput> = {}): RunAnalysisInput {
  const score = scoreRun(workers.map((w) => w.score));
  return {
    status: 'completed',
    score,
    healthStatus: healthStatusFor(score),
    totalWorkers: workers.length,
    ...countsForRun(workers.map((w) => ({ status: w.status, healthScore: w.score }))),
    workers,
    comparison: { sameWorkerSetScores: [] },
    ...extra,
  };
}
