import { describe, expect, it } from 'vitest';
import { healthStatusFor } from '../../domain/health-status';
import {
  countsForRun,
  responseTimeScore,
  SCORE_WEIGHTS,
  scoreRun,
  scoreWorker,
  workerPassed,
  type WorkerScoreInput,
} from '../../domain/scoring';

const perfect: WorkerScoreInput = {
  status: 'completed',
  unitTests: { total: 15, passed: 15 },
  performanceTests: { total: 3, passed: 3 },
  integrationTests: { total: 3, passed: 3 },
  orchestratorConnectivity: true,
  databaseConnectivity: true,
  externalApiConnectivity: true,
  responseTimeMs: 45,
};

function worker(overrides: Partial<WorkerScoreInput>): WorkerScoreInput {
  return { ...perfect, ...overrides };
}

describe('scoreWorker', () => {
  it('gives a worker that passes everything 1', () => {
    expect(scoreWorker(perfect)).toBe(1);
  });

  it('gives a failed or timed-out worker 0, whatever it reported', () => {
    expect(scoreWorker(worker({ status: 'failed' }))).toBe(0);
    expect(scoreWorker(worker({ status: 'timeout' }))).toBe(0);
  });

  it('weights sum to 1', () => {
    const sum = Object.values(SCORE_WEIGHTS).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 10);
  });

  it('weights each part: a failing unit suite costs its weight', () => {
    expect(scoreWorker(worker({ unitTests: { total: 15, passed: 0 } }))).toBe(0.7);
    expect(scoreWorker(worker({ performanceTests: { total: 3, passed: 0 } }))).toBe(0.8);
    expect(scoreWorker(worker({ integrationTests: { total: 3, passed: 0 } }))).toBe(0.75);
  });

  it('puts a worker failing 1 of 3 performance and 1 of 3 integration tests in degraded', () => {
    const score = scoreWorker(
      worker({ performanceTests: { total: 3, passed: 2 }, integrationTests: { total: 3, passed: 2 } }),
    );
    expect(score).toBe(0.85);
    expect(healthStatusFor(score)).toBe('degraded');
  });

  it('keeps a worker failing only 1 of 3 performance tests degraded or better', () => {
    const score = scoreWorker(worker({ performanceTests: { total: 3, passed: 2 } }));
    expect(score).toBe(0.9333);
    expect(['healthy', 'degraded']).toContain(healthStatusFor(score));
  });

  it('leaves a suite that ran no tests out and shares its weight among the rest', () => {
    // Without performance tests, failing all unit tests costs 0.3 / 0.8 of the score.
    const score = scoreWorker(worker({ performanceTests: { total: 0, passed: 0 }, unitTests: { total: 4, passed: 0 } }));
    expect(score).toBe(0.625);
    expect(scoreWorker(worker({ performanceTests: { total: 0, passed: 0 } }))).toBe(1);
  });

  it('leaves connectivity that is not configured (null) out, and counts false as a failure', () => {
    expect(scoreWorker(worker({ databaseConnectivity: null, externalApiConnectivity: null }))).toBe(1);
    // one of two configured checks fails: connectivity part is 0.5 → loses 0.15 × 0.5
    expect(scoreWorker(worker({ databaseConnectivity: false, externalApiConnectivity: null }))).toBe(0.925);
    // all three fail
    expect(
      scoreWorker(worker({ orchestratorConnectivity: false, databaseConnectivity: false, externalApiConnectivity: false })),
    ).toBe(0.85);
  });

  it('leaves connectivity out entirely when no check is configured', () => {
    const score = scoreWorker(
      worker({
        orchestratorConnectivity: null,
        databaseConnectivity: null,
        externalApiConnectivity: null,
        unitTests: { total: 1, passed: 0 },
      }),
    );
    // unit part 0 of the remaining weights 0.3 + 0.2 + 0.25 + 0.1 = 0.85
    expect(score).toBe(0.6471);
  });

  it('scores the response time 1 up to 200 ms, linearly down to 0 at 2000 ms', () => {
    expect(responseTimeScore(0)).toBe(1);
    expect(responseTimeScore(200)).toBe(1);
    expect(responseTimeScore(1100)).toBe(0.5);
    expect(responseTimeScore(2000)).toBe(0);
    expect(responseTimeScore(5000)).toBe(0);
    expect(responseTimeScore(null)).toBeNull();
    expect(scoreWorker(worker({ responseTimeMs: 1100 }))).toBe(0.95);
    expect(scoreWorker(worker({ responseTimeMs: 2500 }))).toBe(0.9);
  });

  it('leaves an unknown response time out', () => {
    expect(scoreWorker(worker({ responseTimeMs: null, unitTests: { total: 2, passed: 1 } }))).toBe(
      Math.round((1 - 0.15 / 0.9) * 10_000) / 10_000,
    );
  });

  it('gives a completed worker with nothing to judge 0', () => {
    expect(
      scoreWorker({
        status: 'completed',
        unitTests: { total: 0, passed: 0 },
        performanceTests: { total: 0, passed: 0 },
        integrationTests: { total: 0, passed: 0 },
        orchestratorConnectivity: null,
        databaseConnectivity: null,
        externalApiConnectivity: null,
        responseTimeMs: null,
      }),
    ).toBe(0);
  });

  it('clamps passed counts into [0, total] and rounds to 4 decimals', () => {
    expect(scoreWorker(worker({ unitTests: { total: 3, passed: 7 } }))).toBe(1);
    const score = scoreWorker(worker({ unitTests: { total: 3, passed: 1 } }));
    expect(score).toBe(0.8);
    const odd = scoreWorker(worker({ unitTests: { total: 7, passed: 3 } }));
    expect(odd).toBe(Math.round((1 - 0.3 * (4 / 7)) * 10_000) / 10_000);
    expect(String(odd).split('.')[1]!.length).toBeLessThanOrEqual(4);
  });
});

describe('scoreRun', () => {
  it('is the mean of the worker scores, rounded to 4 decimals', () => {
    expect(scoreRun([1, 0.85, 0])).toBe(0.6167);
    expect(scoreRun([0.9, 0.8])).toBe(0.85);
  });

  it('is 0 without workers', () => {
    expect(scoreRun([])).toBe(0);
  });
});

describe('countsForRun', () => {
  it('counts final states as completed, completed ≥ 0.7 as passed, the rest of them as failed', () => {
    const counts = countsForRun([
      { status: 'completed', healthScore: 1 },
      { status: 'completed', healthScore: 0.7 },
      { status: 'completed', healthScore: 0.6999 },
      { status: 'failed', healthScore: 0 },
      { status: 'timeout', healthScore: 0 },
      { status: 'running', healthScore: 0 },
      { status: 'pending', healthScore: null },
    ]);
    expect(counts).toEqual({ completedWorkers: 5, passedWorkers: 2, failedWorkers: 3 });
  });

  it('never passes a failed worker, even with a stale high score', () => {
    expect(workerPassed({ status: 'failed', healthScore: 1 })).toBe(false);
    expect(countsForRun([{ status: 'failed', healthScore: 1 }])).toEqual({
      completedWorkers: 1,
      passedWorkers: 0,
      failedWorkers: 1,
    });
  });

  it('is all zeros for an empty or unfinished run', () => {
    expect(countsForRun([])).toEqual({ completedWorkers: 0, passedWorkers: 0, failedWorkers: 0 });
    expect(countsForRun([{ status: 'running', healthScore: null }])).toEqual({
      completedWorkers: 0,
      passedWorkers: 0,
      failedWorkers: 0,
    });
  });
});
