import type { RunStatus } from '../../db/health-checks';
import type { HealthStatus, WorkerCheckStatus } from '../../db/worker-health-checks';

export type { TestStatus } from '../../sdk/src/protocol';
import type { TestStatus } from '../../sdk/src/protocol';

export interface TestResultInput {
  name: string;
  status: TestStatus;
  durationMs: number;
  error?: string | null;
}

export interface TestSuiteInput {
  total: number;
  passed: number;
  results: TestResultInput[];
}

/** A worker's typical values, from its earlier runs. */
export interface WorkerBaseline {
  responseTimeMs: number | null;
  /** Typical duration per test name (performance tests are compared against it). */
  testDurationsMs: Record<string, number>;
}

/**
 * Everything the analysers know about one worker's check. The field names match
 * `WorkerScoreInput`, so the same object can be scored with `scoreWorker`.
 */
export interface WorkerAnalysisInput {
  workerName: string;
  workerType: string;
  status: WorkerCheckStatus;
  score: number;
  healthStatus: HealthStatus;
  unitTests: TestSuiteInput;
  performanceTests: TestSuiteInput;
  integrationTests: TestSuiteInput;
  /** `null`: not configured for this worker. */
  orchestratorConnectivity: boolean | null;
  databaseConnectivity: boolean | null;
  externalApiConnectivity: boolean | null;
  responseTimeMs: number | null;
  /** System metrics, when the worker reported them (used for capacity hints). */
  cpuUsagePercent?: number | null;
  memoryUsageMb?: number | null;
  errorMessage: string | null;
  warnings: string[];
  /** `null`: no earlier runs to compare with. */
  baseline: WorkerBaseline | null;
}

export interface RunAnalysisInput {
  status: RunStatus;
  score: number;
  healthStatus: HealthStatus;
  totalWorkers: number;
  completedWorkers: number;
  passedWorkers: number;
  failedWorkers: number;
  /** Each worker's input, its `score` and `healthStatus` included. */
  workers: WorkerAnalysisInput[];
  /** Overall scores of earlier runs, newest first. */
  previousScores: number[];
}

/** What an analyser writes: a paragraph, and recommendations ranked most important first. */
export interface Analysis {
  analysis: string;
  recommendations: string[];
}

export interface Analyser {
  analyseWorker(input: WorkerAnalysisInput): Promise<Analysis>;
  analyseRun(input: RunAnalysisInput): Promise<Analysis>;
}
