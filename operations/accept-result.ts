import type { OperationDeps } from './deps';
import { findWorkerCheckOrNull, recordWorkerResult } from './record-result';
import { requireSignature, verifyCallback } from './verify-callback';

/** A worker's callback as it arrived. */
export interface SignedCallback {
  headers: Headers | null;
  /** The exact request body, as the worker signed it. */
  rawBody: string | null;
  workerCheckUuid: string;
  /** The result the body carries; recordWorkerResult validates it against the protocol. */
  result: unknown;
}

/**
 * Accepts a signed worker result (the `reportWorkerResult` callback): an unsigned request is
 * refused before anything is read; then the check is found, the signature verified with that
 * worker's own secret over the exact bytes sent, and the result recorded against the very row the
 * signature was checked for, its `webhook-id` consumed in the same batch.
 */
export async function acceptSignedResult(deps: OperationDeps, callback: SignedCallback) {
  const signed = requireSignature(callback.headers, callback.rawBody);
  const check = await findWorkerCheckOrNull(deps, callback.workerCheckUuid);
  const webhookId = await verifyCallback(deps.env.HEALTH_CHECK_SIGNING_KEY, check?.workerName ?? null, signed);
  // verifyCallback refuses an unknown check, so `check` is the row the signature was made for.
  return recordWorkerResult(deps, callback.workerCheckUuid, callback.result, { webhookId, notifyRun: deps.runs.notifyRun, check: check! });
}
