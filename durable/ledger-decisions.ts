/**
 * The run ledger's one decision, as a pure function: what a worker's result means for its run,
 * given what the ledger holds. durable/run-ledger.ts asks it inside the transaction that then
 * records the result, so two results (or two copies of one) never both pass.
 */
import { isOpenWorkerCheck, type WorkerCheckStatus } from '../db/worker-health-checks';
import type { RecordOutcome } from '../operations/run-ledger-types';

/** A target's state in the ledger: the same vocabulary as its worker_health_checks row. */
export type TargetState = WorkerCheckStatus;

export interface TargetRecord {
  workerCheckUuid: string;
  workerName: string;
  state: TargetState;
  webhookId: string | null;
  digest: string | null;
  healthScore: number | null;
}

export interface SubmissionFacts {
  /** The check the result is for, if it is one of this run's. */
  target: TargetRecord | null;
  /** The worker whose secret signed the result. */
  signedBy: string;
  /** The check that consumed the result's webhook-id, if any did. */
  consumedBy: TargetRecord | null;
  webhookId: string | null;
  digest: string;
  /** The run no longer takes results (finalised, timed out, cancelled). */
  finished: boolean;
}

export type Decision = { kind: 'accept'; target: TargetRecord } | Exclude<RecordOutcome, { kind: 'recorded' }>;

/**
 * In the order the protocol gives (docs/worker-protocol.md, "Retries"): a webhook-id already
 * consumed decides first (a retry of the same result succeeds again whenever it comes, even after
 * the run is over; anything else under that id is refused); then the run must still be open, then
 * the check.
 */
export function decideSubmission(facts: SubmissionFacts): Decision {
  const { consumedBy, webhookId } = facts;
  // Not this run's check, or another worker's: the same refusal as a signature that does not match,
  // so a caller learns nothing about which checks exist.
  if (facts.target === null || facts.target.workerName !== facts.signedBy) return { kind: 'unsigned' };
  const target = facts.target;
  if (webhookId !== null && consumedBy !== null) {
    if (consumedBy.workerCheckUuid !== target.workerCheckUuid) return { kind: 'replay', webhookId };
    if (consumedBy.digest === facts.digest) return { kind: 'retry', workerName: target.workerName, webhookId, healthScore: target.healthScore ?? 0 };
    return { kind: 'other-result', workerName: target.workerName, webhookId, status: target.state };
  }
  if (facts.finished) return { kind: 'too-late', workerName: target.workerName };
  if (!isOpenWorkerCheck(target.state)) return { kind: 'already', workerName: target.workerName, status: target.state };
  return { kind: 'accept', target };
}
