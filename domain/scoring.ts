/**
 * Health scores: one module, one formula.
 *
 * ## Worker score
 *
 * A worker whose check ended `failed` or `timeout` scores 0. Otherwise its score is the weighted
 * mean of the parts that apply to it:
 *
 *     score = round4( Σ wᵢ·pᵢ / Σ wᵢ )   over the included parts i
 *
 * | part            | weight wᵢ | value pᵢ in [0, 1]                              | excluded when               |
 * |-----------------|-----------|-------------------------------------------------|-----------------------------|
 * | unit tests      | 0.30      | passed / total                                  | total = 0 (suite not run)   |
 * | performance     | 0.20      | passed / total                                  | total = 0                   |
 * | integration     | 0.25      | passed / total                                  | total = 0                   |
 * | connectivity    | 0.15      | share of the configured checks that succeeded   | no check configured (all null) |
 * | response time   | 0.10      | 1 up to 200 ms, falling linearly to 0 at 2000 ms | response time unknown (null) |
 *
 * - An excluded part's weight is not counted, so the others share it in proportion to their weights
 *   (dividing by Σ wᵢ of the included parts does exactly that).
 * - Connectivity checks are orchestrator, database and external API; `null` means "not configured
 *   for this worker" and is left out, `false` counts as a failure.
 * - Response time: p = 1 when t ≤ 200 ms, p = (2000 − t) / 1800 when 200 < t < 2000, p = 0 when
 *   t ≥ 2000 ms.
 * - `passed` is clamped to [0, total]; a skipped test counts as not passed.
 * - A worker with no part at all to judge (no tests, no connectivity, no response time) scores 0:
 *   no evidence, no credit.
 * - round4(x) rounds to 4 decimal places.
 *
 * Examples: everything passes → 1. Failing 1 of 3 performance tests and 1 of 3 integration tests,
 * everything else perfect → 1 − (0.20 + 0.25)/3 = 0.85 (degraded). Failing 1 of 3 performance
 * tests alone → 1 − 0.20/3 = 0.9333 (healthy).
 *
 * ## Run score
 *
 * The mean of its workers' scores (workers that failed or timed out count with their 0), rounded
 * to 4 decimals; 0 for a run without workers.
 *
 * ## Run counts
 *
 * - completed = workers in a final state: `completed`, `failed` or `timeout`
 * - passed    = workers `completed` with a score ≥ 0.7 (the bottom of the degraded band: a
 *               degraded worker still passes, an unhealthy or critical one does not)
 * - failed    = workers `failed` or `timeout`, or `completed` with a score < 0.7
 *
 * so completed = passed + failed, and pending or running workers are in none of them.
 */
import { FINAL_WORKER_CHECK_STATUSES, type WorkerCheckStatus } from '../db/worker-health-checks';

export const SCORE_WEIGHTS = {
  unitTests: 0.3,
  performanceTests: 0.2,
  integrationTests: 0.25,
  connectivity: 0.15,
  responseTime: 0.1,
} as const;

/** Response times up to this many milliseconds get full marks. */
export const RESPONSE_TIME_TARGET_MS = 200;
/** Response times from this many milliseconds on get none. */
export const RESPONSE_TIME_LIMIT_MS = 2000;

/** A completed worker passes with a score of at least this (the bottom of the degraded band). */
export const PASSING_SCORE = 0.7;

export interface TestSuiteCounts {
  total: number;
  passed: number;
}

export interface WorkerScoreInput {
  status: WorkerCheckStatus;
  unitTests: TestSuiteCounts;
  performanceTests: TestSuiteCounts;
  integrationTests: TestSuiteCounts;
  /** `null`: not configured for this worker (left out of the score). */
  orchestratorConnectivity: boolean | null;
  databaseConnectivity: boolean | null;
  externalApiConnectivity: boolean | null;
  /** `null`: not measured (left out of the score). */
  responseTimeMs: number | null;
}

/** Rounds to 4 decimal places, the precision every score is stored with. */
export function roundScore(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** The pass rate of a suite, or `null` when it ran no tests. */
export function suitePassRate(suite: TestSuiteCounts): number | null {
  if (!(suite.total > 0)) return null;
  const passed = Math.min(Math.max(suite.passed, 0), suite.total);
  return passed / suite.total;
}

/** The share of configured connectivity checks that succeeded, or `null` when none is configured. */
export function connectivityRate(input: Pick<WorkerScoreInput, 'orchestratorConnectivity' | 'databaseConnectivity' | 'externalApiConnectivity'>): number | null {
  const configured = [input.orchestratorConnectivity, input.databaseConnectivity, input.externalApiConnectivity].filter(
    (value): value is boolean => value !== null && value !== undefined,
  );
  if (configured.length === 0) return null;
  return configured.filter(Boolean).length / configured.length;
}

/** 1 up to the target, linearly down to 0 at the limit; `null` when the response time is unknown. */
export function responseTimeScore(responseTimeMs: number | null): number | null {
  if (responseTimeMs === null || responseTimeMs === undefined || Number.isNaN(responseTimeMs)) return null;
  if (responseTimeMs <= RESPONSE_TIME_TARGET_MS) return 1;
  if (responseTimeMs >= RESPONSE_TIME_LIMIT_MS) return 0;
  return (RESPONSE_TIME_LIMIT_MS - responseTimeMs) / (RESPONSE_TIME_LIMIT_MS - RESPONSE_TIME_TARGET_MS);
}

/** A worker's health score in [0, 1] (see the formula at the top of this module). */
export function scoreWorker(input: WorkerScoreInput): number {
  if (input.status === 'failed' || input.status === 'timeout') return 0;

  const parts: [weight: number, value: number | null][] = [
    [SCORE_WEIGHTS.unitTests, suitePassRate(input.unitTests)],
    [SCORE_WEIGHTS.performanceTests, suitePassRate(input.performanceTests)],
    [SCORE_WEIGHTS.integrationTests, suitePassRate(input.integrationTests)],
    [SCORE_WEIGHTS.connectivity, connectivityRate(input)],
    [SCORE_WEIGHTS.responseTime, responseTimeScore(input.responseTimeMs)],
  ];

  let weightSum = 0;
  let weighted = 0;
  for (const [weight, value] of parts) {
    if (value === null) continue;
    weightSum += weight;
    weighted += weight * value;
  }
  if (weightSum === 0) return 0;
  return roundScore(Math.min(Math.max(weighted / weightSum, 0), 1));
}

/** A run's score: the mean of its workers' scores, 0 without workers. */
export function scoreRun(workerScores: readonly number[]): number {
  if (workerScores.length === 0) return 0;
  const sum = workerScores.reduce((total, score) => total + score, 0);
  return roundScore(sum / workerScores.length);
}

export interface RunCounts {
  completedWorkers: number;
  passedWorkers: number;
  failedWorkers: number;
}

/** A worker's check as far as the run's counters care. */
export interface WorkerOutcome {
  status: WorkerCheckStatus | null;
  healthScore: number | null;
}

/** Whether a worker's check counts as passed: completed with a score of at least 0.7. */
export function workerPassed(worker: WorkerOutcome): boolean {
  return worker.status === 'completed' && (worker.healthScore ?? 0) >= PASSING_SCORE;
}

/** The run's counters (see "Run counts" at the top of this module). */
export function countsForRun(workers: readonly WorkerOutcome[]): RunCounts {
  let completedWorkers = 0;
  let passedWorkers = 0;
  for (const worker of workers) {
    if (worker.status === null || !FINAL_WORKER_CHECK_STATUSES.includes(worker.status)) continue;
    completedWorkers += 1;
    if (workerPassed(worker)) passedWorkers += 1;
  }
  return { completedWorkers, passedWorkers, failedWorkers: completedWorkers - passedWorkers };
}
