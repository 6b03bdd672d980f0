/**
 * A run as the run page shows it, put together from two sources that may arrive in any order:
 * the run read with DashboardRun (on open, and again at COMPLETED for the analysis) and its
 * events over graphql-ws (DashboardRunEvents: the story so far, then live). Statuses only move
 * forward (README "How a run works"), so each piece keeps whichever version is further along,
 * and an event is taken once by its sequence. Pure.
 */
import type {
  DashboardRunEventsSubscription,
  DashboardRunQuery,
  HealthCheckStatus,
  HealthCheckSummaryFragment,
  HealthStatus,
  WorkerCheckStatus,
} from '../../client/generated/graphql';

export type RunEvent = DashboardRunEventsSubscription['healthCheckUpdated'];
export type FullRun = NonNullable<DashboardRunQuery['healthCheck']>;
export type FullWorker = FullRun['workerResults'][number];
export type LiveWorker = NonNullable<RunEvent['workerResult']>;
/** A worker as the page knows it: the lean event version until the full one is read. */
export type WorkerView = LiveWorker | FullWorker;

export interface LogEntry {
  sequence: number;
  type: RunEvent['type'];
  workerName: string | null;
  status: string;
  score: number;
  healthStatus: HealthStatus | null;
}

export interface RunView {
  summary: HealthCheckSummaryFragment | null;
  /** The last full read: analysis, recommendations, each worker's tests. */
  full: FullRun | null;
  /** By worker name, in the order they first appeared. */
  workers: Record<string, WorkerView>;
  order: string[];
  /** Events received, in sequence order. */
  log: LogEntry[];
  /** The run does not exist (the read answered null). */
  missing: boolean;
}

export const EMPTY_RUN: RunView = { summary: null, full: null, workers: {}, order: [], log: [], missing: false };

const FINAL_RUN: ReadonlySet<HealthCheckStatus> = new Set(['COMPLETED', 'FAILED', 'TIMEOUT', 'CANCELLED']);
const WORKER_RANK: Record<WorkerCheckStatus, number> = { PENDING: 0, RUNNING: 1, COMPLETED: 2, FAILED: 2, TIMEOUT: 2 };

export function isFinal(status: HealthCheckStatus | null | undefined): boolean {
  return status !== null && status !== undefined && FINAL_RUN.has(status);
}

function summaryRank(summary: HealthCheckSummaryFragment): number {
  return (isFinal(summary.status) ? 1_000_000 : 0) + summary.completedWorkers;
}

/** The summary further along; on a tie, the newer one (`candidate`). */
function furtherSummary(current: HealthCheckSummaryFragment | null, candidate: HealthCheckSummaryFragment): HealthCheckSummaryFragment {
  return current && summaryRank(current) > summaryRank(candidate) ? current : candidate;
}

function withWorker(view: RunView, worker: WorkerView, preferOnTie: boolean): Pick<RunView, 'workers' | 'order'> {
  const current = view.workers[worker.workerName];
  if (current) {
    const ahead = WORKER_RANK[current.status] - WORKER_RANK[worker.status];
    // A full read of the same stage replaces a lean event (it has the tests); never the reverse.
    if (ahead > 0 || (ahead === 0 && !preferOnTie)) return { workers: view.workers, order: view.order };
  }
  return {
    workers: { ...view.workers, [worker.workerName]: worker },
    order: current ? view.order : [...view.order, worker.workerName],
  };
}

export function applyEvent(view: RunView, event: RunEvent): RunView {
  if (view.log.some((entry) => entry.sequence === event.sequence)) return view;
  const worker = event.workerResult;
  const entry: LogEntry = {
    sequence: event.sequence,
    type: event.type,
    workerName: worker?.workerName ?? null,
    status: worker?.status ?? event.healthCheck.status,
    score: worker?.healthScore ?? event.healthCheck.overallHealthScore,
    healthStatus: worker?.healthStatus ?? event.healthCheck.healthStatus,
  };
  const log = [...view.log, entry].sort((a, b) => a.sequence - b.sequence);
  const next: RunView = { ...view, log, summary: furtherSummary(view.summary, event.healthCheck) };
  if (!worker) return next;
  // A lean event takes the place of another lean one of the same stage, never of a full read.
  const current = view.workers[worker.workerName];
  return { ...next, ...withWorker(next, worker, !(current && fullWorker(current))) };
}

export function applySnapshot(view: RunView, run: FullRun | null): RunView {
  if (!run) return view.summary ? view : { ...view, missing: true };
  let next: RunView = { ...view, missing: false, summary: furtherSummary(view.summary, run) };
  // Keep the latest full read unless this one is behind it.
  if (!view.full || summaryRank(run) >= summaryRank(view.full)) next = { ...next, full: run };
  for (const worker of run.workerResults) next = { ...next, ...withWorker(next, worker, true) };
  return next;
}

/** The full version of a worker (with its tests), when the page has read it. */
export function fullWorker(worker: WorkerView): FullWorker | null {
  return 'results' in worker.unitTests ? (worker as FullWorker) : null;
}
