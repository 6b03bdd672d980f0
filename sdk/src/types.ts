/**
 * The SDK's own public shapes. The wire shapes (the dispatch, the result, the test statuses) are
 * the protocol's (protocol.ts), re-exported here for the SDK's modules and its users.
 */
export type { ExecuteOptions, ExecuteRequest, TestResult, TestStatus, WorkerResultPayload } from './protocol.js';

/** The bindings the SDK reads. A worker's own Env extends this. */
export interface WorkerHealthCheckEnv {
  /** Service binding to the orchestrator; preferred over plain fetch for every orchestrator call. */
  ORCHESTRATOR?: Fetcher;
  /** This worker's signing secret, `whsec_<base64>` (see signing.ts). */
  HEALTH_CHECK_SECRET: string;
  /** Where the orchestrator lives when there is no callback URL to go by (status/quick endpoints). */
  ORCHESTRATOR_URL?: string;
  /** An external API this worker depends on; its reachability is reported. */
  EXTERNAL_API_URL?: string;
  /** The worker's D1 database, if it has one; `SELECT 1` is reported as database connectivity. */
  DB?: D1Database;
}

/** Who the worker is: the names it reports under. */
export interface WorkerIdentity {
  workerName: string;
  workerType: string;
  /** Overrides `env.EXTERNAL_API_URL`. */
  externalApiUrl?: string | undefined;
  /** Budget for each connectivity probe, milliseconds. Default 5000. */
  probeTimeoutMs?: number | undefined;
}

/** What one run of the checks should include. */
export interface RunOptions {
  workerCheckUuid: string;
  includeUnitTests?: boolean | undefined;
  includePerformanceTests?: boolean | undefined;
  includeIntegrationTests?: boolean | undefined;
  /** Structured JSON `console.log` lines for this run only. */
  debugMode?: boolean | undefined;
  /** Where to find the orchestrator's `GET /health` (its origin is used). */
  orchestratorUrl?: string | undefined;
}

/** Backoff for delivering the signed result. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 5. */
  maxAttempts?: number | undefined;
  /** Delay before the first retry; doubles per retry, with jitter. Default 500 ms. */
  baseDelayMs?: number | undefined;
  /** Upper bound of one delay. Default 8000 ms. */
  maxDelayMs?: number | undefined;
}
