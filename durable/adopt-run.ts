/**
 * A run that no ledger holds yet, read from D1 for the run's object to take over: one started by
 * the version before the ledger (its parameters and targets in the object's key-value storage under
 * "run"), or one written straight to D1. Read once, when the object is first asked about it.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { isOpenWorkerCheck } from '../db/worker-health-checks';
import { PASSING_SCORE } from '../domain/scoring';
import { STARTED_SEQUENCE } from '../operations/events';
import type { RunStartParams } from '../operations/initiate';
import { resultDigest } from '../operations/result-row';
import type { TargetState } from './ledger-decisions';
import type { AdoptedRun } from './run-ledger';

/** What the version before the ledger stored under "run". */
export interface LegacyStoredRun extends RunStartParams {
  dispatched: number;
}

type Row = {
  workerCheckUuid: string; workerName: string; status: TargetState; sequence: number | null; healthScore: number | null;
  rawResults: string | null; webhookId: string | null; runStatus: string; timeoutAt: string | null; startedAt: string | null;
};

/** The run as D1 has it, or null when D1 has no such run still running. */
export async function readRunToAdopt(db: Db, env: Env, healthCheckUuid: string, legacy: LegacyStoredRun | undefined): Promise<{ run: Omit<RunStartParams, 'targets'>; adopted: AdoptedRun } | null> {
  const rows = await db.all<Row>(sql`
    SELECT w.worker_check_uuid AS workerCheckUuid, w.worker_name AS workerName, w.status AS status, w.result_sequence AS sequence,
           w.health_score AS healthScore, w.raw_results AS rawResults, d.webhook_id AS webhookId,
           h.status AS runStatus, h.timeout_at AS timeoutAt, h.started_at AS startedAt
    FROM health_checks h JOIN worker_health_checks w ON w.health_check_uuid = h.health_check_uuid
    LEFT JOIN webhook_deliveries d ON d.worker_check_uuid = w.worker_check_uuid
    WHERE h.health_check_uuid = ${healthCheckUuid} ORDER BY w.id`);
  if (rows.length === 0 || rows[0]!.runStatus !== 'running') return null;
  const addresses = new Map(legacy?.targets.map((target) => [target.workerCheckUuid, target]) ?? []);
  const seen = new Set<string>();
  const targets: AdoptedRun['targets'] = [];
  for (const row of rows) {
    // A check with two consumed webhook-ids (never written by this code) keeps the first.
    if (seen.has(row.workerCheckUuid)) continue;
    seen.add(row.workerCheckUuid);
    const address = addresses.get(row.workerCheckUuid);
    targets.push({
      workerCheckUuid: row.workerCheckUuid,
      workerName: row.workerName,
      binding: address?.binding ?? null,
      url: address?.url ?? null,
      state: row.status,
      webhookId: row.webhookId,
      digest: row.rawResults ? await resultDigest(JSON.parse(row.rawResults)) : null,
      healthScore: row.healthScore,
    });
  }
  // Counted over the targets (one per check), in one pass.
  const final = targets.filter((target) => !isOpenWorkerCheck(target.state));
  const passed = final.filter((target) => target.state === 'completed' && (target.healthScore ?? 0) >= PASSING_SCORE).length;
  const timeoutAt = legacy?.timeoutAt ?? (rows[0]!.timeoutAt ? Date.parse(`${rows[0]!.timeoutAt.replace(' ', 'T')}Z`) : Date.now() + 30 * 60_000);
  const run: Omit<RunStartParams, 'targets'> = legacy
    ? { healthCheckUuid, timeoutAt: legacy.timeoutAt, timeoutMinutes: legacy.timeoutMinutes, callbackUrl: legacy.callbackUrl, options: legacy.options }
    : {
        healthCheckUuid,
        timeoutAt,
        timeoutMinutes: Math.max(1, Math.round((timeoutAt - Date.parse(`${(rows[0]!.startedAt ?? '').replace(' ', 'T')}Z`)) / 60_000) || 30),
        callbackUrl: new URL('/graphql', env.PUBLIC_URL).toString(),
        options: { includeUnitTests: true, includePerformanceTests: true, includeIntegrationTests: true, debugMode: false },
      };
  return {
    run,
    adopted: {
      targets,
      // Without the earlier object's cursor there is nothing it knows how to reach: nothing more is dispatched.
      dispatched: legacy ? Math.min(legacy.dispatched, targets.length) : targets.length,
      held: !legacy,
      nextSequence: Math.max(STARTED_SEQUENCE, ...rows.map((row) => row.sequence ?? 0)) + 1,
      counters: { completedWorkers: final.length, passedWorkers: passed, failedWorkers: final.length - passed },
    },
  };
}
