/**
 * Delivering a result to the orchestrator: the signed `reportWorkerResult` GraphQL request of
 * docs/worker-protocol.md ("Callback"), retried with backoff where a retry can help.
 */
import type { RunLog } from './debug-log.js';
import { fitResult } from './fit-result.js';
import { LIMITS, REPORT_WORKER_RESULT_MUTATION } from './protocol.js';
import { errorMessage } from './run-test.js';
import { signedHeaders } from './signing.js';
import type { RetryOptions, TestResult, WorkerResultPayload } from './types.js';

/** Retry options with every field settled. */
export type RetrySettings = { [K in keyof RetryOptions]-?: NonNullable<RetryOptions[K]> };

export const DEFAULT_RETRY: RetrySettings = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 8000 };

/**
 * The GraphQL request body: the payload as `ReportWorkerResultInput`, test statuses as the enum,
 * fitted within the protocol's limits first (fit-result.ts), the whole body within the bytes the
 * orchestrator reads.
 */
export function reportWorkerResultBody(payload: WorkerResultPayload): string {
  const encoder = new TextEncoder();
  const fitted = fitResult(payload, (candidate) => encoder.encode(render(candidate)).byteLength <= LIMITS.callbackBytes);
  return render(fitted);
}

function render(payload: WorkerResultPayload): string {
  const toInput = (test: TestResult) => ({
    name: test.name,
    status: test.status.toUpperCase(),
    durationMs: test.durationMs,
    error: test.error ?? null,
  });
  const input = {
    ...payload,
    unitTests: payload.unitTests.map(toInput),
    performanceTests: payload.performanceTests.map(toInput),
    integrationTests: payload.integrationTests.map(toInput),
  };
  return JSON.stringify({ query: REPORT_WORKER_RESULT_MUTATION, variables: { input } });
}

export interface DeliveryOptions {
  payload: WorkerResultPayload;
  callbackUrl: string;
  secret: string;
  /** The orchestrator binding's fetch, or the global fetch. */
  fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  log: RunLog;
  retry?: RetryOptions | undefined;
  /** Waits between attempts; replaceable so callers can observe the schedule. */
  sleep?: (ms: number) => Promise<void>;
}

export interface DeliveryOutcome {
  /** The orchestrator accepted the result (`reportWorkerResult.success`). */
  delivered: boolean;
  attempts: number;
  webhookId: string;
  /** The last HTTP status, if any answer came. */
  status?: number;
  /** Why it was not delivered. */
  reason?: string;
}

/**
 * POSTs the signed result. Retries network errors and 5xx answers with exponential backoff and
 * jitter, under the same `webhook-id` each time but signed afresh (the timestamp must be current).
 * Never retries a 4xx or a 200 carrying GraphQL `errors`: the orchestrator has read the result
 * and said no, and repeating it will not change its mind. Never throws.
 */
export async function deliverResult(options: DeliveryOptions): Promise<DeliveryOutcome> {
  // Field by field: an option given as `undefined` keeps its default.
  const retry: RetrySettings = {
    maxAttempts: options.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
    baseDelayMs: options.retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: options.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
  };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const body = reportWorkerResultBody(options.payload);
  const webhookId = `msg_${crypto.randomUUID()}`;
  const { log } = options;

  let outcome: DeliveryOutcome = { delivered: false, attempts: 0, webhookId };
  for (let attempt = 1; attempt <= retry.maxAttempts; attempt++) {
    if (attempt > 1) await sleep(backoffDelay(attempt - 1, retry));
    const headers = signedHeaders(options.secret, webhookId, body);
    outcome = { delivered: false, attempts: attempt, webhookId };
    let response: Response;
    try {
      response = await options.fetch(options.callbackUrl, { method: 'POST', headers, body });
    } catch (error) {
      outcome.reason = `network error: ${errorMessage(error)}`;
      log.warn('delivery.retryable', { attempt, webhook_id: webhookId, reason: outcome.reason });
      continue;
    }
    outcome.status = response.status;
    if (response.status >= 500) {
      outcome.reason = `orchestrator answered ${response.status}`;
      await response.body?.cancel();
      log.warn('delivery.retryable', { attempt, webhook_id: webhookId, status: response.status });
      continue;
    }
    return finish(outcome, response, log);
  }
  log.warn('delivery.gave_up', { ...outcome });
  return outcome;
}

/**
 * Delay before retry number `retryNumber` (1-based): "equal jitter", half of the capped exponential
 * delay fixed and half random, so retries from many workers do not arrive in lockstep.
 */
export function backoffDelay(retryNumber: number, retry: RetrySettings, random: () => number = Math.random): number {
  const exponential = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (retryNumber - 1));
  return exponential / 2 + random() * (exponential / 2);
}

/** Reads a final (non-5xx) answer: accepted, refused with GraphQL errors, or refused over HTTP. */
async function finish(outcome: DeliveryOutcome, response: Response, log: RunLog): Promise<DeliveryOutcome> {
  const text = await response.text();
  if (!response.ok) {
    outcome.reason = `orchestrator answered ${response.status}: ${text.slice(0, 500)}`;
    log.warn('delivery.refused', { ...outcome });
    return outcome;
  }
  let answer: { data?: { reportWorkerResult?: { success?: boolean; message?: string } | null } | null; errors?: unknown[] };
  try {
    answer = JSON.parse(text);
  } catch {
    outcome.reason = `orchestrator answered ${response.status} with a body that is not JSON`;
    log.warn('delivery.refused', { ...outcome });
    return outcome;
  }
  if (Array.isArray(answer.errors) && answer.errors.length > 0) {
    outcome.reason = `GraphQL errors: ${JSON.stringify(answer.errors).slice(0, 1000)}`;
    log.warn('delivery.graphql_errors', { ...outcome, errors: answer.errors });
    return outcome;
  }
  const result = answer.data?.reportWorkerResult;
  if (!result?.success) {
    outcome.reason = `orchestrator did not accept the result: ${result?.message ?? 'no reportWorkerResult in the answer'}`;
    log.warn('delivery.refused', { ...outcome });
    return outcome;
  }
  outcome.delivered = true;
  log.debug('delivery.accepted', { ...outcome, message: result.message });
  return outcome;
}
