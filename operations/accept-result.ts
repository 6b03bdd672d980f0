import type { OperationDeps } from './deps';
import { conflict, OperationError, unauthenticated } from './errors';
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

/** What `reportWorkerResult` answers for a result recorded now or before. */
export interface AcceptedResult {
  success: boolean;
  message: string;
  healthCheckUuid: string;
  healthScore: number;
}

/**
 * Accepts a signed worker result (the `reportWorkerResult` callback): an unsigned request is
 * refused before anything is read; then the check is found, the signature verified with that
 * worker's own secret over the exact bytes sent, and the result recorded against the very row the
 * signature was checked for, its `webhook-id` consumed in the same batch.
 *
 * Idempotent by `webhook-id` (docs/worker-protocol.md, "Retries"): a delivery whose id was consumed
 * by this same check with this same result is a retry of a result already recorded (its answer was
 * lost, say), and succeeds again without writing anything, whenever it comes: before the first copy
 * is through (the race is settled by recording, then asking again), after it, after the run is
 * over. The same id with another result, or for another check, is refused as before (CONFLICT,
 * UNAUTHENTICATED), and a forged or stale signature never gets this far.
 */
export async function acceptSignedResult(deps: OperationDeps, callback: SignedCallback): Promise<AcceptedResult> {
  const signed = requireSignature(callback.headers, callback.rawBody);
  const check = await findWorkerCheckOrNull(deps, callback.workerCheckUuid);
  const webhookId = await verifyCallback(deps.env.HEALTH_CHECK_SIGNING_KEY, check?.workerName ?? null, signed);
  // verifyCallback refuses an unknown check, so `check` is the row the signature was made for.
  const retried = await retryOfRecorded(deps, webhookId, callback);
  if (retried) return retried;
  try {
    return await recordWorkerResult(deps, callback.workerCheckUuid, callback.result, { webhookId, notifyRun: deps.runs.notifyRun, check: check! });
  } catch (error) {
    // Another copy of this very delivery may have been recorded meanwhile: its id is then consumed
    // (UNAUTHENTICATED "already used") or the check is final (CONFLICT). Asked again, it is a retry.
    if (error instanceof OperationError && (error.code === 'UNAUTHENTICATED' || error.code === 'CONFLICT')) {
      const raced = await retryOfRecorded(deps, webhookId, callback);
      if (raced) return raced;
    }
    throw error;
  }
}

/**
 * The answer to a retry of a recorded delivery, null when `webhookId` is unused, or the refusal of a
 * reused id: consumed by another check (a replay), or by this check with another result.
 */
async function retryOfRecorded(deps: Pick<OperationDeps, 'db'>, webhookId: string, callback: SignedCallback): Promise<AcceptedResult | null> {
  const delivery = await deps.db.query.webhookDeliveries.findFirst({ columns: { workerCheckUuid: true }, where: { webhookId } });
  if (!delivery) return null;
  if (delivery.workerCheckUuid !== callback.workerCheckUuid) {
    throw unauthenticated(`The webhook-id ${webhookId} was already used: this delivery is a replay.`);
  }
  const row = await deps.db.query.workerHealthChecks.findFirst({
    columns: { healthCheckUuid: true, workerName: true, status: true, healthScore: true, overallStatus: true, rawResults: true },
    where: { workerCheckUuid: callback.workerCheckUuid },
  });
  if (!row || !sameResult(row.rawResults, callback.result)) {
    throw conflict(
      `The result of ${row?.workerName ?? 'this worker'} is already recorded (${row?.status ?? 'final'}) from webhook-id ${webhookId}, with another result.`,
    );
  }
  const healthScore = row.healthScore ?? 0;
  return {
    success: true,
    message: `Already recorded the result of ${row.workerName} (webhook-id ${webhookId}): score ${healthScore} (${row.overallStatus}).`,
    healthCheckUuid: row.healthCheckUuid,
    healthScore,
  };
}

/**
 * Whether the stored result (`raw_results`, the JSON of the result as recordWorkerResult took it)
 * is this one: compared as JSON values, so the order keys were written in does not matter.
 */
function sameResult(stored: string | null, result: unknown): boolean {
  if (stored === null) return false;
  try {
    return canonical(JSON.parse(stored)) === canonical(JSON.parse(JSON.stringify(result)));
  } catch {
    return false;
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
