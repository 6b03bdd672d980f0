/**
 * Why a worker's check is not fully healthy, read from what was recorded: its status, its error
 * message (domain/failure-messages.ts names the orchestrator's own), its test suites, its
 * connectivity checks and its comparisons with its baseline. Pure: the analysers turn causes into
 * advice, the history queries use them to leave out checks that were not the worker's fault.
 *
 * A check that ended without a result has exactly one **outcome cause** and nothing else: it ran
 * no tests and measured no connectivity, so nothing is said about those. A completed check has
 * zero or more **check causes**: failing tests by suite, connectivity that is configured (not
 * null) and failed, response time or performance tests slower than their baseline.
 */
import type { WorkerCheckStatus } from '../db/worker-health-checks';
import type { BaselineComparison } from './baselines';
import { parseFailureMessage } from './failure-messages';

/** `HEALTH_CHECK_SECRET` named in an answer: the worker has no usable secret. */
const SECRET_MISSING = /HEALTH_CHECK_SECRET/;
/** The SDK's 403 when a dispatch names another worker: the registry points at the wrong Worker. */
const WRONG_WORKER = /This worker is .*, not /;

export type SuiteKind = 'unit' | 'performance' | 'integration';
export type ConnectivityKind = 'orchestrator' | 'database' | 'externalApi';

export type OutcomeCause =
  /** The worker answered 401 (or 403) to the signed dispatch: its secret does not match. */
  | { kind: 'signature-refused'; httpStatus: number; detail: string | null }
  /** The worker answered 403 naming itself as another worker: the registry entry points elsewhere. */
  | { kind: 'wrong-worker'; httpStatus: number; detail: string | null }
  /** The worker answered that it has no (valid) HEALTH_CHECK_SECRET. */
  | { kind: 'secret-missing'; httpStatus: number; detail: string | null }
  /** The dispatch got no answer: not deployed, wrong URL or binding, or it crashed. */
  | { kind: 'unreachable'; detail: string | null }
  /** The worker answered with another status than 202. */
  | { kind: 'error-status'; httpStatus: number; detail: string | null }
  /** Accepted the dispatch but did not report before the run's deadline. */
  | { kind: 'timeout'; detail: string | null }
  /** The run was cancelled before the worker reported: not the worker's fault. */
  | { kind: 'cancelled' }
  /** The run could not be started: not the worker's fault. */
  | { kind: 'not-dispatched' }
  /** Failed for a reason this module does not recognise. */
  | { kind: 'failed'; detail: string | null };

export interface FailedTest {
  name: string;
  error: string | null;
  durationMs: number;
}

export type CheckCause =
  | { kind: 'failing-tests'; suite: SuiteKind; failed: FailedTest[]; failing: number; passed: number; total: number; skipped: number }
  | { kind: 'connectivity'; check: ConnectivityKind }
  | { kind: 'slow'; comparison: BaselineComparison };

export type FailureCause = OutcomeCause | CheckCause;
export type FailureCauseKind = FailureCause['kind'];

export interface ClassifierSuite {
  total: number;
  passed: number;
  results: readonly { name: string; status: string; durationMs: number; error?: string | null }[];
}

/** What the classifier reads of a worker's check. */
export interface ClassifierInput {
  status: WorkerCheckStatus;
  errorMessage: string | null;
  unitTests: ClassifierSuite;
  performanceTests: ClassifierSuite;
  integrationTests: ClassifierSuite;
  /** null: not configured for this worker (and never asked of a check that did not complete). */
  orchestratorConnectivity: boolean | null;
  databaseConnectivity: boolean | null;
  externalApiConnectivity: boolean | null;
}

export const SUITES: readonly { key: 'unitTests' | 'performanceTests' | 'integrationTests'; kind: SuiteKind }[] = [
  { key: 'unitTests', kind: 'unit' },
  { key: 'performanceTests', kind: 'performance' },
  { key: 'integrationTests', kind: 'integration' },
];

export const CONNECTIVITY_CHECKS: readonly {
  key: 'orchestratorConnectivity' | 'databaseConnectivity' | 'externalApiConnectivity';
  kind: ConnectivityKind;
}[] = [
  { key: 'orchestratorConnectivity', kind: 'orchestrator' },
  { key: 'databaseConnectivity', kind: 'database' },
  { key: 'externalApiConnectivity', kind: 'externalApi' },
];

/** Why a check that ended without a result did; null for a completed (or still open) check. */
export function outcomeCause(status: WorkerCheckStatus, errorMessage: string | null): OutcomeCause | null {
  if (status !== 'failed' && status !== 'timeout') return null;
  const parsed = parseFailureMessage(errorMessage);
  const detail = errorMessage?.trim() || null;
  if (status === 'timeout') return { kind: 'timeout', detail };
  switch (parsed?.kind) {
    case 'cancelled':
      return { kind: 'cancelled' };
    case 'not-dispatched':
      return { kind: 'not-dispatched' };
    case 'deadline':
      return { kind: 'timeout', detail };
    case 'not-responding':
      return { kind: 'unreachable', detail: parsed.reason };
    case 'answered': {
      const { httpStatus, detail: body } = parsed;
      if (body && SECRET_MISSING.test(body) && httpStatus !== 401) return { kind: 'secret-missing', httpStatus, detail: body };
      if (httpStatus === 403 && body && WRONG_WORKER.test(body)) return { kind: 'wrong-worker', httpStatus, detail: body };
      if (httpStatus === 401 || httpStatus === 403) return { kind: 'signature-refused', httpStatus, detail: body };
      return { kind: 'error-status', httpStatus, detail: body };
    }
    default:
      return { kind: 'failed', detail };
  }
}

/** Whether a check that ended this way counts against the worker (in histories, trends and uptime). */
export function countsAgainstWorker(cause: OutcomeCause | null): boolean {
  return cause?.kind !== 'cancelled' && cause?.kind !== 'not-dispatched';
}

/** The failing tests of a suite, when there are any. */
export function failingTests(suite: ClassifierSuite, kind: SuiteKind): Extract<CheckCause, { kind: 'failing-tests' }> | null {
  if (!(suite.total > 0)) return null;
  const failed = suite.results
    .filter((test) => test.status === 'failed')
    .map((test) => ({ name: test.name, error: test.error ?? null, durationMs: test.durationMs }));
  const skipped = suite.results.filter((test) => test.status === 'skipped').length;
  const passed = Math.min(Math.max(suite.passed, 0), suite.total);
  const failing = Math.max(failed.length, suite.total - passed - skipped);
  if (failing <= 0) return null;
  return { kind: 'failing-tests', suite: kind, failed, failing, passed, total: suite.total, skipped };
}

/**
 * Every cause of a check, outcome first. A check without a result has its outcome cause only; a
 * completed one its failing suites, its configured connectivity that failed, and what got slower
 * than its baseline (`comparisons`, from domain/baselines.ts).
 */
export function classifyCheck(input: ClassifierInput, comparisons: readonly BaselineComparison[] = []): FailureCause[] {
  const outcome = outcomeCause(input.status, input.errorMessage);
  if (outcome) return [outcome];
  if (input.status !== 'completed') return [];
  const causes: FailureCause[] = [];
  for (const { key, kind } of SUITES) {
    const failing = failingTests(input[key], kind);
    if (failing) causes.push(failing);
  }
  for (const { key, kind } of CONNECTIVITY_CHECKS) {
    if (input[key] === false) causes.push({ kind: 'connectivity', check: kind });
  }
  for (const comparison of comparisons) {
    if (comparison.verdict === 'slower') causes.push({ kind: 'slow', comparison });
  }
  return causes;
}
