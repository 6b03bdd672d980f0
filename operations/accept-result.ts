import type { OperationDeps } from './deps';
import { callbackRouteFrom } from './callback-route';
import { recordWorkerResult, routeOf, type RecordedResult } from './record-result';
import { requireSignature, verifyCallback } from './verify-callback';

/** A worker's callback as it arrived. */
export interface SignedCallback {
  headers: Headers | null;
  /** The exact request body, as the worker signed it. */
  rawBody: string | null;
  /** The URL it was posted to: the dispatch's callback_url, naming the run and worker (callback-route.ts). */
  requestUrl?: string | null;
  workerCheckUuid: string;
  /** The result the body carries; recordWorkerResult validates it against the protocol. */
  result: unknown;
}

/** What `reportWorkerResult` answers for a result recorded now or before. */
export type AcceptedResult = RecordedResult;

/**
 * Accepts a signed worker result (the `reportWorkerResult` callback): an unsigned request is
 * refused before anything is read; the signature is verified with the worker's own secret over the
 * exact bytes sent, before the result is validated; then the run's Durable Object records it once,
 * its `webhook-id` consumed with it (record-result.ts). The worker and run come from the callback's
 * URL when it names them, else from D1. An unknown check is verified too, against a secret no worker
 * has, so the answer does not tell which uuids exist.
 *
 * Idempotent by `webhook-id` (docs/worker-protocol.md, "Retries"): the same delivery again succeeds
 * again without writing anything, whenever it comes; the same id with another result, or for
 * another check, is refused (CONFLICT, UNAUTHENTICATED).
 */
export async function acceptSignedResult(deps: OperationDeps, callback: SignedCallback): Promise<AcceptedResult> {
  const signed = requireSignature(callback.headers, callback.rawBody);
  const route = callbackRouteFrom(callback.requestUrl) ?? (await routeOf(deps, callback.workerCheckUuid));
  const webhookId = await verifyCallback(deps.env.HEALTH_CHECK_SIGNING_KEY, route?.workerName ?? null, signed);
  // verifyCallback refuses an unknown check, so `route` is the check the signature was made for.
  return recordWorkerResult(deps, callback.workerCheckUuid, callback.result, { webhookId, route: route! });
}
