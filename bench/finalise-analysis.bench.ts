// Finalising a run of 200 workers: the rule-based analysis of every worker and of the fleet (each
// worker's findings computed once and reused by the fleet's), against the baseline of only scoring
// them. Tells how much finalisation the analysis adds.
import { test } from 'vitest';
import { analyseAllByRules } from '../domain/analysis/rule-based';
import { scoreRun, scoreWorker } from '../domain/scoring';
import { fail, pass, run, suite, worker } from '../tests/analysis/fixtures';

const workers = Array.from({ length: 200 }, (_, i) =>
  worker({
    workerName: `worker-${i}`,
    unitTests: suite([pass('a'), pass('b'), i % 7 ? pass('c') : fail('c', 'expected 1, got 2')]),
    performanceTests: suite([pass('render', 40 + (i % 50)), i % 5 ? pass('query', 20) : fail('query', 'took 300 ms, budget 100 ms', 300)]),
    responseTimeMs: 50 + (i % 300),
    baseline: { checks: 10, responseTimeMs: 60, testDurationsMs: { render: 45, query: 20 } },
    history: Array.from({ length: 20 }, (_, k) => ({ at: new Date(Date.UTC(2026, 10, 1 + k)), score: 1 - ((i + k) % 7) * 0.01 })),
    checkedAt: new Date(Date.UTC(2026, 10, 21)),
  }),
);
const fleet = run(workers);

test('finalising a run of 200 workers', async ({ bench }) => {
  await bench.compare(
    bench('baseline: score every worker and the run', () => {
      scoreRun(workers.map((w) => scoreWorker(w)));
    }),
    bench('rule-based analysis of every worker and the fleet', () => {
      analyseAllByRules(fleet);
    }),
  );
});
