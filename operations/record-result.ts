import type { OperationDeps } from './deps';
import { badInput, conflict, notFound, unauthenticated } from './errors';
import { healthStatusFor } from '../domain/health-status';
import { workerResultSchema } from '../sdk/src/protocol';
import type { CallbackRoute } from './callback-route';
import { completedRow, resultDigest } from './result-row';
import type { RecordOutcome } from './run-ledger-types';
import { SIGNATURE_REFUSED } from './verify-callback';

export interface RecordResultOptions {
  /** The callback's verified `webhook-id`; none over RPC. */
  webhookId?: string | null;
  /** The run and worker the result is for, when the caller knows them (a routed callback). */
  route?: CallbackRoute;
}

/** The answer to a result recorded now or before. */
export interface RecordedResult {
  success: boolean;
  message: string;
  healthCheckUuid: string;
  healthScore: number;
}

export function findWorkerCheckOrNull(deps: Pick<OperationDeps, 'db'>, workerCheckUuid: string) {
  return deps.db.query.workerHealthChecks.findFirst({
    columns: { workerCheckUuid: true, healthCheckUuid: true, workerName: true, status: true },
    where: { workerCheckUuid },
    with: { healthCheck: { columns: { status: true } } },
  });
}

/**
 * Records one worker's result exactly once. This Worker validates and scores it against the
 * protocol's schema (the one the SDK fits its results to, GraphQL and RPC alike); the run's Durable
 * Object decides, in its single thread, whether it is taken: once, while the check is open and the
 * run still running, its `webhook-id` consumed with it (durable/run-ledger.ts). A duplicate, a late
 * result or one for a cancelled run is CONFLICT and changes nothing; the same delivery again is a
 * retry and succeeds again (docs/worker-protocol.md, "Retries").
 */
export async function recordWorkerResult(deps: OperationDeps, workerCheckUuid: string, input: unknown, options: RecordResultOptions = {}): Promise<RecordedResult> {
  const parsed = workerResultSchema.safeParse(input);
  if (!parsed.success) {
    throw badInput(
      `The result is malformed: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'result'}: ${issue.message}`).join('; ')}`,
    );
  }
  const route = options.route ?? (await routeOf(deps, workerCheckUuid));
  if (!route) throw notFound(`No worker check ${workerCheckUuid}.`);
  const { columns, healthScore, passing } = completedRow(parsed.data, input);
  const outcome = await deps.runs.recordResult(route.healthCheckUuid, {
    workerCheckUuid,
    workerName: route.workerName,
    webhookId: options.webhookId ?? null,
    digest: await resultDigest(input),
    columns,
    healthScore,
    passing,
  });
  return answer(deps, route.healthCheckUuid, outcome, healthScore);
}

/** The run and worker of a check, from D1 (for a result that came without its route), or null. */
export async function routeOf(deps: Pick<OperationDeps, 'db'>, workerCheckUuid: string): Promise<CallbackRoute | null> {
  const check = await findWorkerCheckOrNull(deps, workerCheckUuid);
  return check ? { healthCheckUuid: check.healthCheckUuid, workerName: check.workerName } : null;
}

async function answer(deps: Pick<OperationDeps, 'db'>, healthCheckUuid: string, outcome: RecordOutcome, healthScore: number): Promise<RecordedResult> {
  switch (outcome.kind) {
    case 'recorded':
      return {
        success: true,
        message: `Recorded the result of ${outcome.workerName}: score ${healthScore} (${healthStatusFor(healthScore)}).`,
        healthCheckUuid,
        healthScore,
      };
    case 'retry':
      return {
        success: true,
        message: `Already recorded the result of ${outcome.workerName}${outcome.webhookId ? ` (webhook-id ${outcome.webhookId})` : ''}: score ${outcome.healthScore} (${healthStatusFor(outcome.healthScore)}).`,
        healthCheckUuid,
        healthScore: outcome.healthScore,
      };
    case 'replay':
      throw unauthenticated(`The webhook-id ${outcome.webhookId} was already used: this delivery is a replay.`);
    case 'unsigned':
      throw unauthenticated(SIGNATURE_REFUSED);
    case 'other-result':
      throw conflict(`The result of ${outcome.workerName} is already recorded (${outcome.status}) from webhook-id ${outcome.webhookId}, with another result.`);
    case 'already':
      throw conflict(`The result of ${outcome.workerName} is already recorded (${outcome.status}).`);
    case 'too-late': {
      const run = await deps.db.query.healthChecks.findFirst({ columns: { status: true }, where: { healthCheckUuid } });
      throw conflict(
        run && run.status !== 'running'
          ? `The health check is already ${run.status}; the result of ${outcome.workerName ?? 'this worker'} came too late.`
          : `The health check ${healthCheckUuid} takes no more results.`,
      );
    }
  }
}
