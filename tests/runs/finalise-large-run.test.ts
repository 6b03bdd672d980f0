import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createOperationDeps } from '../../durable/operation-deps';
import { finaliseRunIfComplete } from '../../operations/finalise';
import { seedRun } from '../helpers/fixtures';
import { runRow } from './helpers';

describe('finalising a large run', () => {
  it("finalises a run whose rows hold ~30 MB of results (as 10,000 workers' do), with every worker's analysis written", { timeout: 60_000 }, async () => {
    // 200 workers × 150 KB of test results: read as one JSON value aggregated per run, this failed
    // (SQLITE_NOMEM), as a 10,000-worker run's finalisation did in the benchmark.
    const tests = JSON.stringify(Array.from({ length: 800 }, (_, i) => ({ name: `test ${i} ${'x'.repeat(120)}`, status: 'passed', durationMs: 1 })));
    const healthCheckUuid = await seedRun(
      { status: 'running', totalWorkers: 200 },
      Array.from({ length: 200 }, (_, i) => ({ workerName: `w-${i}`, status: 'completed' as const, healthScore: 1, unitTestResults: tests, unitTestsTotal: 800, unitTestsPassed: 800 })),
    );
    expect(await finaliseRunIfComplete(createOperationDeps(env, () => {}), healthCheckUuid)).toBe(true);
    expect(await runRow(healthCheckUuid)).toMatchObject({ status: 'completed', completed_workers: 200, passed_workers: 200 });
    const unanalysed = await env.DB.prepare('SELECT count(*) AS n FROM worker_health_checks WHERE health_check_uuid = ? AND ai_worker_analysis IS NULL')
      .bind(healthCheckUuid)
      .first<{ n: number }>();
    expect(unanalysed!.n).toBe(0);
  });
});
