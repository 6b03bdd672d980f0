import type { RunStatus } from '../../db/health-checks';
import type { HealthStatus, WorkerCheckStatus } from '../../db/worker-health-checks';
import type { BaselineComparison, WorkerBaseline } from '../baselines';
import type { ConnectivityKind, FailureCause, FailureCauseKind } from '../failure-causes';
import type { BandPrediction, ScorePoint, Trend } from '../trends';

export type { TestStatus } from '../../sdk/src/protocol';
import type { TestStatus } from '../../sdk/src/protocol';
export type { WorkerBaseline } from '../baselines';

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
  /** `null`: not configured for this worker, or not measured (a check without a result). */
  orchestratorConnectivity: boolean | null;
  databaseConnectivity: boolean | null;
  externalApiConnectivity: boolean | null;
  responseTimeMs: number | null;
  errorMessage: string | null;
  warnings: string[];
  /** `null`: no earlier completed checks to compare with. */
  baseline: WorkerBaseline | null;
  /**
   * The worker's earlier final checks (cancelled ones left out), oldest first, this run's not
   * included: its score history for the trend and the prediction. Empty or absent: none.
   */
  history?: ScorePoint[];
  /** When this check was made (for the trend); absent: now. */
  checkedAt?: Date;
}

/** Like-for-like history for a run's comparison. */
export interface RunComparisonInput {
  /** Overall scores of earlier final runs of exactly this run's set of workers, newest first. */
  sameWorkerSetScores: number[];
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
  comparison: RunComparisonInput;
}

/** How urgent a recommendation is; recommendations are ranked by it, most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What a recommendation is about, when the rules wrote it (null when the model did). */
export type RecommendationKind =
  | FailureCauseKind
  | 'response-time'
  | 'warnings'
  | 'fleet-trend'
  | 'prediction'
  | 'no-action';

export interface Recommendation {
  severity: Severity;
  /** The worker it concerns; null for the fleet. */
  workerName: string | null;
  text: string;
  kind: RecommendationKind | null;
}

/** What an analyser writes: a paragraph, and recommendations ranked by severity, most severe first. */
export interface Analysis {
  analysis: string;
  recommendations: Recommendation[];
}

/** Who wrote an analysis. */
export interface AnalysisSource {
  analyser: 'rules' | 'workers-ai';
  /** The Workers AI model that wrote it, or that was asked and failed; null when it was not asked. */
  model: string | null;
  /** Why the rules stand in for Workers AI (`AI analysis unavailable: …`); null otherwise. */
  unavailable: string | null;
}

export interface SourcedAnalysis extends Analysis {
  source: AnalysisSource;
}

/** A worker's findings: what the rules found, computed once and shared by its analysis and the run's. */
export interface WorkerFindings {
  input: WorkerAnalysisInput;
  causes: FailureCause[];
  comparisons: BaselineComparison[];
  trend: Trend | null;
  prediction: BandPrediction | null;
  /** The paragraph's sentences, in order. */
  sentences: string[];
  /** Unranked, in the order the rules found them (most important first within a severity). */
  recommendations: Recommendation[];
  /** Short issue tags for the run's worst-first list. */
  tags: string[];
  /** The recommendation for each configured connectivity check that failed (the run groups shared ones). */
  connectivity: Map<ConnectivityKind, Recommendation>;
}
