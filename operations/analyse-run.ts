import { sql } from 'drizzle-orm';
import type { RunStatus } from '../db/health-checks';
import type { WorkerHealthCheckRow } from '../db/worker-health-checks';
import { analyseRun, type AnalysisConfig, type WorkerAnalysisInput } from '../domain/analysis';
import { DEFAULT_BASELINE_CHECKS, DEFAULT_REGRESSION_MARGIN_PERCENT } from '../domain/baselines';
import { healthStatusFor } from '../domain/health-status';
import type { RunCounts } from '../domain/scoring';
import { workerSetKey } from '../domain/worker-set';
import { runAnalysisColumns, workerAnalysisColumns } from './analysis-columns';
import { historiesForRun, type WorkerHistory } from './baselines';
import type { OperationDeps } from './deps';
import { parseStringList, parseTestResults } from './json-columns';

/** How many earlier final checks of each worker make its score history (trend and prediction) at finalisation. */
export const HISTORY_CHECKS = 20;
/** How many earlier runs of the same workers the run's analysis compares with. */
export const SAME_WORKER_SET_RUNS = 5;

export interface AnalysisSettings {
  /** N: the baseline is the median of a worker's last N completed checks. */
  baselineChecks: number;
  /** Slower (faster) than the baseline by more than this percentage is a regression (an improvement). */
  marginPercent: number;
}

function setting(value: string | undefined, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed))) {
    console.warn(JSON.stringify({ event: 'analysis.bad_setting', name, value, using: fallback }));
    return fallback;
  }
  return parsed;
}

/** The analysis settings from the optional vars (env.d.ts); a value out of range is logged and the default used. */
export function analysisSettings(env: Pick<Env, 'ANALYSIS_BASELINE_CHECKS' | 'ANALYSIS_REGRESSION_MARGIN_PERCENT'>): AnalysisSettings {
  return {
    baselineChecks: setting(env.ANALYSIS_BASELINE_CHECKS, 'ANALYSIS_BASELINE_CHECKS', DEFAULT_BASELINE_CHECKS, 1, 100, true),
    marginPercent: setting(env.ANALYSIS_REGRESSION_MARGIN_PERCENT, 'ANALYSIS_REGRESSION_MARGIN_PERCENT', DEFAULT_REGRESSION_MARGIN_PERCENT, 0, 1000, false),
  };
}

/** What the analysers know of one worker's row, its history beside it. */
export function analysisInput(row: WorkerHealthCheckRow, history: WorkerHistory | undefined): WorkerAnalysisInput {
  const suite = (total: number | null, passed: number | null, results: string | null) => ({
    total: total ?? 0,
    passed: passed ?? 0,
    results: parseTestResults(results).map((test) => ({ ...test, error: test.error ?? undefined })),
  });
  const score = row.status === 'completed' ? (row.healthScore ?? 0) : 0;
  // Connectivity is measured by the worker's own check: a check without a result measured none
  // (the columns' FALSE defaults are not findings).
  const reported = row.status === 'completed';
  return {
    workerName: row.workerName,
    workerType: row.workerType,
    status: row.status ?? 'pending',
    score,
    healthStatus: healthStatusFor(score),
    unitTests: suite(row.unitTestsTotal, row.unitTestsPassed, row.unitTestResults),
    performanceTests: suite(row.performanceTestsTotal, row.performanceTestsPassed, row.performanceTestResults),
    integrationTests: suite(row.integrationTestsTotal, row.integrationTestsPassed, row.integrationTestResults),
    orchestratorConnectivity: reported ? row.orchestratorConnectivity : null,
    databaseConnectivity: reported ? row.databaseConnectivity : null,
    externalApiConnectivity: reported ? row.externalApiConnectivity : null,
    responseTimeMs: row.responseTimeMs,
    errorMessage: row.errorMessage,
    warnings: parseStringList(row.warnings),
    baseline: history?.baseline ?? null,
    history: history?.history ?? [],
    ...(row.requestedAt ? { checkedAt: row.requestedAt } : {}),
  };
}

export interface FinishedRun {
  id: number;
  healthCheckUuid: string;
  status: RunStatus;
  score: number;
  counts: RunCounts;
  workers: WorkerHealthCheckRow[];
}

export interface RunAnalysisColumns {
  /** health_checks' analysis columns, and the run's worker-set key. */
  run: ReturnType<typeof runAnalysisColumns> & { workerSetKey: string };
  /** worker_health_checks' analysis columns, in the order of `run.workers`. */
  workers: ReturnType<typeof workerAnalysisColumns>[];
  /** Workers AI calls made. */
  calls: number;
}

/**
 * The analysis of a run being finalised, as the columns to write with it: the history it needs
 * read in two statements (each worker's baseline and score history; the earlier runs of the same
 * workers), then the rules for every worker and the run, and Workers AI, when the `AI` binding is
 * configured, for the run and its worst few workers under one time limit (domain/analysis).
 */
export async function analyseFinishedRun(deps: Pick<OperationDeps, 'db' | 'env'>, run: FinishedRun, config: Omit<AnalysisConfig, 'rules'> = {}): Promise<RunAnalysisColumns> {
  const settings = analysisSettings(deps.env);
  const key = await workerSetKey(run.workers.map((worker) => worker.workerName));
  const [histories, sameSet] = await Promise.all([
    historiesForRun(deps.db, run.healthCheckUuid, { baselineChecks: settings.baselineChecks, historyChecks: HISTORY_CHECKS }),
    deps.db.all<{ score: number | null }>(sql`
      SELECT overall_health_score AS score FROM health_checks
      WHERE worker_set_key = ${key} AND id < ${run.id} AND status IN ('completed', 'failed', 'timeout')
      ORDER BY id DESC LIMIT ${SAME_WORKER_SET_RUNS}`),
  ]);
  const inputs = run.workers.map((worker) => analysisInput(worker, histories.get(worker.workerName)));

  // Workers AI only when the optional `AI` binding is configured (wrangler.toml [ai]); the model
  // from the optional AI_MODEL var, else the analyser's default.
  const { AI: ai, AI_MODEL: model } = deps.env;
  const result = await analyseRun(
    {
      status: run.status,
      score: run.score,
      healthStatus: healthStatusFor(run.score),
      totalWorkers: run.workers.length,
      ...run.counts,
      workers: inputs,
      comparison: { sameWorkerSetScores: sameSet.map((row) => row.score ?? 0) },
    },
    { ...(ai ? { ai } : {}), ...(model ? { model } : {}), ...config, rules: { marginPercent: settings.marginPercent } },
  );
  return {
    run: { ...runAnalysisColumns(result.run), workerSetKey: key },
    workers: result.workers.map(workerAnalysisColumns),
    calls: result.calls,
  };
}
