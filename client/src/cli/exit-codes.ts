import { WorkerHealthError, WorkerHealthNetworkError } from '../errors.js';
import type { HealthCheckStatus, HealthStatus } from '../../generated/graphql.js';

/**
 * What `worker-health` exits with. 0–3 are the run's verdict, for a pipeline to gate on; the
 * others say why there is no verdict (sysexits.h numbers, so they stay clear of the verdicts).
 */
export const EXIT = {
  /** The run is HEALTHY (and at least --min-score); any other command succeeded. */
  OK: 0,
  DEGRADED: 1,
  UNHEALTHY: 2,
  /** CRITICAL, every worker failed, or the score is below --min-score. */
  CRITICAL: 3,
  /** The run was cancelled before it had a verdict. */
  CANCELLED: 4,
  /** A bad command, option or argument, or BAD_USER_INPUT from the server. */
  USAGE: 64,
  /** The server refused the operation: NOT_FOUND or CONFLICT. */
  REFUSED: 65,
  /** The server could not be reached, or what answered is not worker-health. */
  UNREACHABLE: 69,
  /** Anything unexpected, INTERNAL_SERVER_ERROR included. */
  INTERNAL: 70,
  /** The run ended TIMEOUT (a worker did not report before the deadline), or --max-wait ran out. */
  TIMED_OUT: 75,
  /** No API key, a wrong or revoked one (UNAUTHENTICATED), or a role too low (FORBIDDEN). */
  AUTH: 77,
  /** Ctrl-C while waiting for a run. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const BANDS: Record<HealthStatus, ExitCode> = { HEALTHY: EXIT.OK, DEGRADED: EXIT.DEGRADED, UNHEALTHY: EXIT.UNHEALTHY, CRITICAL: EXIT.CRITICAL };

/** The verdict of a run that is over (or was given up on while RUNNING). */
export function exitCodeForRun(
  run: { status: HealthCheckStatus; healthStatus: HealthStatus | null; overallHealthScore: number },
  minScore?: number,
): ExitCode {
  switch (run.status) {
    case 'RUNNING':
    case 'TIMEOUT':
      return EXIT.TIMED_OUT;
    case 'CANCELLED':
      return EXIT.CANCELLED;
    case 'FAILED':
      return EXIT.CRITICAL;
    case 'COMPLETED': {
      if (minScore !== undefined && run.overallHealthScore < minScore) return EXIT.CRITICAL;
      return run.healthStatus ? BANDS[run.healthStatus] : EXIT.CRITICAL;
    }
  }
}

/** An error the CLI itself raises, with the code it exits with. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

export function exitCodeForError(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof WorkerHealthNetworkError) return EXIT.UNREACHABLE;
  if (error instanceof WorkerHealthError) {
    switch (error.code) {
      case 'UNAUTHENTICATED':
      case 'FORBIDDEN':
        return EXIT.AUTH;
      case 'BAD_USER_INPUT':
        return EXIT.USAGE;
      case 'NOT_FOUND':
      case 'CONFLICT':
        return EXIT.REFUSED;
      default:
        return EXIT.INTERNAL;
    }
  }
  return EXIT.INTERNAL;
}

/** The one line a failure is told in (without the `worker-health: ` prefix). */
export function describeError(error: unknown): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof WorkerHealthNetworkError) {
    return `${error.message}: is the orchestrator running there? (locally \`npm start\`; elsewhere set --url or WORKER_HEALTH_URL)`;
  }
  if (error instanceof WorkerHealthError) {
    switch (error.code) {
      case 'UNAUTHENTICATED':
        return `the server refused the API key (UNAUTHENTICATED: ${error.message}); set a valid one with --api-key or WORKER_HEALTH_API_KEY`;
      case 'FORBIDDEN':
        return `this API key's role may not do that (FORBIDDEN: ${error.message}); use a key with a higher role`;
      default:
        return `${error.message} (${error.code})`;
    }
  }
  if (error instanceof Error) return `unexpected error: ${error.stack ?? error.message}`;
  return `unexpected error: ${String(error)}`;
}
