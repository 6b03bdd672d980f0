/**
 * @worker-health/sdk: what a downstream Worker imports to take part in worker-health checks.
 * See README.md for the few lines of integration.
 */
export { HealthCheckHandler, MAX_DISPATCH_BYTES, type HealthCheckHandlerOptions, type WorkerHealthCheckClass, type WorkerHealthCheckFactory } from './handler.js';
export { WorkerHealthCheck } from './worker-health-check.js';
export { runTest, skippedTest, DEFAULT_TEST_TIMEOUT_MS, type RunTestOptions, type TestFn } from './run-test.js';
export { signWebhook, signedHeaders, verifyWebhook, deriveWorkerSecret, assertWorkerSecret, WEBHOOK_HEADERS, WEBHOOK_TOLERANCE_SECONDS } from './signing.js';
export { reportWorkerResultBody, DEFAULT_RETRY, type RetrySettings } from './callback.js';
export { fitResult } from './fit-result.js';
// The wire protocol's essentials; its schemas are in `@worker-health/sdk/protocol`.
export { LIMITS, TEST_STATUSES, REPORT_WORKER_RESULT_MUTATION, parseExecuteRequest } from './protocol.js';
export type { RunLog } from './debug-log.js';
export type { CheckStatus, HealthCheckEntry, QuickBody, StatusBody } from './health-json.js';
export type {
  ExecuteOptions,
  ExecuteRequest,
  RetryOptions,
  RunOptions,
  TestResult,
  TestStatus,
  WorkerHealthCheckEnv,
  WorkerIdentity,
  WorkerResultPayload,
} from './types.js';
