/**
 * What the operations hand a run's Durable Object to record, and what it answers: the run's ledger
 * (durable/run-ledger.ts) decides exactly-once for every result of its run, in one thread.
 */

/** A worker_health_checks row's final values, in driver form (what D1 stores), by column name. */
export type DriverRow = Record<string, string | number | null>;

/** A worker's result, validated and scored by the Worker that received it, for the run's ledger. */
export interface ResultSubmission {
  workerCheckUuid: string;
  /**
   * The worker whose secret verified the signature (or, over RPC, the check's worker): the ledger
   * takes the result only for a check of its run that this worker was dispatched for.
   */
  workerName: string;
  /** The callback's verified `webhook-id`; null over RPC (the caller is trusted by its binding). */
  webhookId: string | null;
  /** SHA-256 of the result's canonical JSON: tells a retry of this result from another result. */
  digest: string;
  /** The row's final columns (status completed, score, suites, ...). */
  columns: DriverRow;
  healthScore: number;
  /** Whether the worker counts as passed (its score at least PASSING_SCORE). */
  passing: boolean;
}

export type RecordOutcome =
  /** Recorded now: the row is in D1. */
  | { kind: 'recorded'; workerName: string; sequence: number }
  /** The same result again, under the same webhook-id: recorded before, in D1. */
  | { kind: 'retry'; workerName: string; webhookId: string | null; healthScore: number }
  /** The webhook-id was consumed by another check of this run. */
  | { kind: 'replay'; webhookId: string }
  /** The check is not one of this run's, or not the signing worker's: refused like a bad signature. */
  | { kind: 'unsigned' }
  /** The same webhook-id with another result. */
  | { kind: 'other-result'; workerName: string; webhookId: string; status: string }
  /** The worker's check is final already. */
  | { kind: 'already'; workerName: string; status: string }
  /** The run is over (ended, cancelled, timed out), or no ledger knows this check. */
  | { kind: 'too-late'; workerName: string | null };
