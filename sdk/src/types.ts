/**
 * The SDK's public shapes. Wire names (snake_case) appear only where the wire protocol
 * (docs/worker-protocol.md) has them: the execute request. Everything the worker reports is in the
 * camelCase of the orchestrator's `ReportWorkerResultInput`.
 */

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TestResult {
  name: string;
  status: TestStatus;
  /** Wall time of the test body in milliseconds (fractional). */
  durationMs: number;
  /** Why it failed (the thrown error's message), or why it was skipped. */
  error?: string;
}

/** What a worker reports for one check: `ReportWorkerResultInput`, test statuses in lower case. */
export interface WorkerResultPayload {
  workerCheckUuid: string;
  /** Seconds since this isolate loaded the SDK (see clock.ts for the production caveat). */
  uptimeSeconds: number;
  /** Always `null`: a Worker cannot measure its memory use. */
  memoryUsageMb: number | null;
  /** Always `null`: a Worker cannot measure its CPU share. */
  cpuUsagePercent: number | null;
  /** Measured duration of the quick self-check (the orchestrator round trip). */
  responseTimeMs: number | null;
  orchestratorConnectivity: boolean;
  /** `null` when no external API is configured. */
  externalApiConnectivity: boolean | null;
  /** `null` when no D1 binding is configured. */
  databaseConnectivity: boolean | null;
  unitTests: TestResult[];
  performanceTests: TestResult[];
  integrationTests: TestResult[];
  /** Set when the run itself broke (as opposed to a test failing). */
  errorMessage: string | null;
  warnings: string[];
  startedAt: string;
  completedAt: string;
}

/** The execute request's `options`, defaults filled in. */
export interface ExecuteOptions {
  include_unit_tests: boolean;
  include_performance_tests: boolean;
  include_integration_tests: boolean;
  debug_mode: boolean;
}

/** A validated `POST /health-check/execute` body. */
export interface ExecuteRequest {
  worker_check_uuid: string;
  health_check_uuid?: string;
  /** The name the orchestrator knows this worker by (and derived its secret from). */
  worker_name?: string;
  options: ExecuteOptions;
  callback_url: string;
  /** ISO-8601; after it the orchestrator no longer accepts the result. */
  deadline?: string;
}

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
  externalApiUrl?: string;
  /** Budget for each connectivity probe, milliseconds. Default 5000. */
  probeTimeoutMs?: number;
}

/** What one run of the checks should include. */
export interface RunOptions {
  workerCheckUuid: string;
  includeUnitTests?: boolean;
  includePerformanceTests?: boolean;
  includeIntegrationTests?: boolean;
  /** Structured JSON `console.log` lines for this run only. */
  debugMode?: boolean;
  /** Where to find the orchestrator's `GET /health` (its origin is used). */
  orchestratorUrl?: string;
}

/** Backoff for delivering the signed result. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 5. */
  maxAttempts?: number;
  /** Delay before the first retry; doubles per retry, with jitter. Default 500 ms. */
  baseDelayMs?: number;
  /** Upper bound of one delay. Default 8000 ms. */
  maxDelayMs?: number;
}
