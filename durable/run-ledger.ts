/**
 * A run's ledger, in its Durable Object's own SQLite storage: the run's parameters and cursor, one
 * row per target with its state, and the outbox of final rows not yet in D1. Every method is
 * synchronous and runs in one storage transaction, in the object's single thread, so the ledger
 * decides exactly-once for its run (ledger-decisions.ts) and keeps exact counters by adding, never
 * by recounting. D1 gets the outbox a batch at a time (operations/flush-results.ts).
 */
import type { OutboxRow, RunCounters } from '../operations/flush-results';
import type { DispatchTarget, RunStartParams } from '../operations/initiate';
import type { DriverRow, ResultSubmission } from '../operations/run-ledger-types';
import { OPEN_WORKER_CHECK_LIST } from '../db/worker-health-checks';
import type { TargetRecord, TargetState } from './ledger-decisions';
import { STARTED_SEQUENCE } from '../operations/events';

/** What the ledger holds about its run, beside its targets. */
export interface LedgerRun extends Omit<RunStartParams, 'targets'> {
  total: number;
  /** Targets before this index were dispatched and their answers recorded (run-plan.ts). */
  dispatched: number;
  /** STARTED was published. */
  announced: boolean;
  /** No more results: finalised, timed out, or cancelled. */
  finished: boolean;
  /** Set while a cancel is under way (so a cancel cut short is finished by the next alarm). */
  cancelling: boolean;
  /**
   * A run written to D1 without an object of its own (adopt-run.ts): as before the ledger, its
   * results do not finalise it; only its deadline, a cancel, or the cron's sweep end it.
   */
  held: boolean;
  counters: RunCounters;
}

/** A run as D1 has it, for a ledger taking it over. */
export interface AdoptedRun {
  targets: (DispatchTarget & TargetRecord)[];
  dispatched: number;
  /** No earlier object started it (see LedgerRun.held). */
  held: boolean;
  nextSequence: number;
  counters: RunCounters;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS ledger_run (
    id INTEGER PRIMARY KEY CHECK (id = 1), params TEXT NOT NULL, total INTEGER NOT NULL,
    dispatched INTEGER NOT NULL DEFAULT 0, announced INTEGER NOT NULL DEFAULT 0, finished INTEGER NOT NULL DEFAULT 0,
    cancelling INTEGER NOT NULL DEFAULT 0, held INTEGER NOT NULL DEFAULT 0, next_sequence INTEGER NOT NULL,
    completed INTEGER NOT NULL DEFAULT 0, passed INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE IF NOT EXISTS ledger_targets (
    idx INTEGER PRIMARY KEY, worker_check_uuid TEXT NOT NULL UNIQUE, worker_name TEXT NOT NULL, binding TEXT, url TEXT,
    state TEXT NOT NULL, webhook_id TEXT UNIQUE, digest TEXT, health_score REAL);
  CREATE TABLE IF NOT EXISTS ledger_outbox (
    sequence INTEGER PRIMARY KEY, worker_check_uuid TEXT NOT NULL, webhook_id TEXT, columns TEXT NOT NULL,
    completed INTEGER NOT NULL, passed INTEGER NOT NULL, failed INTEGER NOT NULL);`;

type RunRow = {
  params: string; total: number; dispatched: number; announced: number; finished: number; cancelling: number; held: number;
  completed: number; passed: number; failed: number;
};
type TargetRow = { worker_check_uuid: string; worker_name: string; state: string; webhook_id: string | null; digest: string | null; health_score: number | null };

export class RunLedger {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(SCHEMA);
  }

  private get sql() {
    return this.storage.sql;
  }

  run(): LedgerRun | null {
    const row = this.sql.exec<RunRow>('SELECT params, total, dispatched, announced, finished, cancelling, held, completed, passed, failed FROM ledger_run').toArray()[0];
    if (!row) return null;
    return {
      ...(JSON.parse(row.params) as Omit<RunStartParams, 'targets'>),
      total: row.total,
      dispatched: row.dispatched,
      announced: row.announced === 1,
      finished: row.finished === 1,
      cancelling: row.cancelling === 1,
      held: row.held === 1,
      counters: { completedWorkers: row.completed, passedWorkers: row.passed, failedWorkers: row.failed },
    };
  }

  /** Takes the run's parameters and targets; false when it holds a run already (a retried start). */
  start(params: RunStartParams): boolean {
    return this.storage.transactionSync(() => {
      if (this.run()) return false;
      const { targets, ...rest } = params;
      this.sql.exec('INSERT INTO ledger_run (id, params, total, next_sequence) VALUES (1, ?, ?, ?)', JSON.stringify(rest), targets.length, STARTED_SEQUENCE + 1);
      targets.forEach((target, idx) =>
        this.sql.exec(
          "INSERT INTO ledger_targets (idx, worker_check_uuid, worker_name, binding, url, state) VALUES (?, ?, ?, ?, ?, 'pending')",
          idx, target.workerCheckUuid, target.workerName, target.binding, target.url,
        ),
      );
      return true;
    });
  }

  /**
   * Takes over a run this ledger never started, as D1 has it (durable/adopt-run.ts): a run started
   * by an earlier version of the object, or written without one. False if it holds a run already.
   */
  adopt(run: Omit<RunStartParams, 'targets'>, adopted: AdoptedRun): boolean {
    return this.storage.transactionSync(() => {
      if (this.run()) return false;
      const { completedWorkers, passedWorkers, failedWorkers } = adopted.counters;
      this.sql.exec(
        'INSERT INTO ledger_run (id, params, total, dispatched, announced, held, next_sequence, completed, passed, failed) VALUES (1, ?, ?, ?, 1, ?, ?, ?, ?, ?)',
        JSON.stringify(run), adopted.targets.length, adopted.dispatched, Number(adopted.held), adopted.nextSequence, completedWorkers, passedWorkers, failedWorkers,
      );
      adopted.targets.forEach((target, idx) =>
        this.sql.exec(
          'INSERT INTO ledger_targets (idx, worker_check_uuid, worker_name, binding, url, state, webhook_id, digest, health_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          idx, target.workerCheckUuid, target.workerName, target.binding, target.url, target.state, target.webhookId, target.digest, target.healthScore,
        ),
      );
      return true;
    });
  }

  /** Targets [from, to) in dispatch order. */
  targets(from: number, to: number): DispatchTarget[] {
    return this.sql
      .exec<{ worker_check_uuid: string; worker_name: string; binding: string | null; url: string | null }>(
        'SELECT worker_check_uuid, worker_name, binding, url FROM ledger_targets WHERE idx >= ? AND idx < ? ORDER BY idx', from, to)
      .toArray()
      .map((row) => ({ workerCheckUuid: row.worker_check_uuid, workerName: row.worker_name, binding: row.binding, url: row.url }));
  }

  /** Of these checks, the ones still pending (not yet answered by their worker). */
  pendingOf(workerCheckUuids: readonly string[]): Set<string> {
    const rows = this.sql
      .exec<{ worker_check_uuid: string }>("SELECT worker_check_uuid FROM ledger_targets WHERE state = 'pending' AND worker_check_uuid IN (SELECT value FROM json_each(?))", JSON.stringify(workerCheckUuids))
      .toArray();
    return new Set(rows.map((row) => row.worker_check_uuid));
  }

  /** Of these checks, the ones running (their worker accepted the dispatch). */
  runningOf(workerCheckUuids: readonly string[]): string[] {
    return this.sql
      .exec<{ worker_check_uuid: string }>("SELECT worker_check_uuid FROM ledger_targets WHERE state = 'running' AND worker_check_uuid IN (SELECT value FROM json_each(?))", JSON.stringify(workerCheckUuids))
      .toArray()
      .map((row) => row.worker_check_uuid);
  }

  target(workerCheckUuid: string): TargetRecord | null {
    return toTarget(this.sql.exec<TargetRow>('SELECT worker_check_uuid, worker_name, state, webhook_id, digest, health_score FROM ledger_targets WHERE worker_check_uuid = ?', workerCheckUuid).toArray()[0]);
  }

  consumedBy(webhookId: string): TargetRecord | null {
    return toTarget(this.sql.exec<TargetRow>('SELECT worker_check_uuid, worker_name, state, webhook_id, digest, health_score FROM ledger_targets WHERE webhook_id = ?', webhookId).toArray()[0]);
  }

  /** A worker accepted its dispatch. */
  markRunning(workerCheckUuid: string): void {
    this.sql.exec("UPDATE ledger_targets SET state = 'running' WHERE worker_check_uuid = ? AND state = 'pending'", workerCheckUuid);
  }

  /** Records an accepted result: its sequence, the counters, the outbox row, in one transaction. */
  recordResult(submission: ResultSubmission, webhookId: string | null): number {
    return this.storage.transactionSync(() =>
      this.end(submission.workerCheckUuid, 'completed', submission.columns, webhookId, submission.digest, submission.healthScore, submission.passing),
    );
  }

  /**
   * Ends each of these checks still open (`failed` when its dispatch failed, `timeout` at the
   * deadline) with its row; returns the sequences taken, in order.
   */
  endOpen(workerCheckUuids: readonly string[] | 'all', state: 'failed' | 'timeout', columns: DriverRow): number[] {
    return this.storage.transactionSync(() => {
      const open = this.sql
        .exec<{ worker_check_uuid: string }>(
          workerCheckUuids === 'all'
            ? `SELECT worker_check_uuid FROM ledger_targets WHERE state IN ${OPEN_WORKER_CHECK_LIST} ORDER BY idx`
            : `SELECT worker_check_uuid FROM ledger_targets WHERE state IN ${OPEN_WORKER_CHECK_LIST} AND worker_check_uuid IN (SELECT value FROM json_each(?)) ORDER BY idx`,
          ...(workerCheckUuids === 'all' ? [] : [JSON.stringify(workerCheckUuids)]),
        )
        .toArray();
      return open.map((row) => this.end(row.worker_check_uuid, state, columns, null, null, 0, false));
    });
  }

  private end(workerCheckUuid: string, state: TargetState, columns: DriverRow, webhookId: string | null, digest: string | null, healthScore: number, passing: boolean): number {
    const run = this.sql.exec<{ next_sequence: number; completed: number; passed: number; failed: number }>('SELECT next_sequence, completed, passed, failed FROM ledger_run').one();
    const sequence = run.next_sequence;
    const counters = { completed: run.completed + 1, passed: run.passed + (passing ? 1 : 0), failed: run.failed + (passing ? 0 : 1) };
    this.sql.exec('UPDATE ledger_run SET next_sequence = ?, completed = ?, passed = ?, failed = ?', sequence + 1, counters.completed, counters.passed, counters.failed);
    this.sql.exec('UPDATE ledger_targets SET state = ?, webhook_id = ?, digest = ?, health_score = ? WHERE worker_check_uuid = ?', state, webhookId, digest, healthScore, workerCheckUuid);
    this.sql.exec(
      'INSERT INTO ledger_outbox (sequence, worker_check_uuid, webhook_id, columns, completed, passed, failed) VALUES (?, ?, ?, ?, ?, ?, ?)',
      sequence, workerCheckUuid, webhookId, JSON.stringify(columns), counters.completed, counters.passed, counters.failed,
    );
    return sequence;
  }

  /**
   * The oldest outbox rows, in sequence order, up to `maxRows` and about `maxBytes` of columns,
   * with the counters as they stand once they are all in D1. Null when the outbox is empty.
   */
  nextFlush(maxRows: number, maxBytes: number): { rows: OutboxRow[]; counters: RunCounters } | null {
    const rows: OutboxRow[] = [];
    let bytes = 0;
    let last: { completed: number; passed: number; failed: number } | undefined;
    for (const row of this.sql.exec<{ sequence: number; worker_check_uuid: string; webhook_id: string | null; columns: string; completed: number; passed: number; failed: number }>(
      'SELECT sequence, worker_check_uuid, webhook_id, columns, completed, passed, failed FROM ledger_outbox ORDER BY sequence LIMIT ?', maxRows)) {
      if (rows.length > 0 && bytes + row.columns.length > maxBytes) break;
      bytes += row.columns.length;
      rows.push({ workerCheckUuid: row.worker_check_uuid, sequence: row.sequence, webhookId: row.webhook_id, columns: JSON.parse(row.columns) as DriverRow });
      last = row;
    }
    if (!last) return null;
    return { rows, counters: { completedWorkers: last.completed, passedWorkers: last.passed, failedWorkers: last.failed } };
  }

  /**
   * The rows of a flush are in D1 (or were refused there): they leave the outbox. A refused row was
   * ended by a writer outside the ledger, so the run is over; its webhook-id is not consumed.
   */
  flushed(rows: readonly OutboxRow[], refused: readonly string[]): void {
    this.storage.transactionSync(() => {
      this.sql.exec('DELETE FROM ledger_outbox WHERE sequence IN (SELECT value FROM json_each(?))', JSON.stringify(rows.map((row) => row.sequence)));
      if (refused.length > 0) {
        this.sql.exec('UPDATE ledger_targets SET webhook_id = NULL, digest = NULL WHERE worker_check_uuid IN (SELECT value FROM json_each(?))', JSON.stringify(refused));
        this.sql.exec('UPDATE ledger_run SET finished = 1');
      }
    });
  }

  outboxEmpty(): boolean {
    return this.sql.exec('SELECT 1 FROM ledger_outbox LIMIT 1').toArray().length === 0;
  }

  update(change: Partial<Pick<LedgerRun, 'dispatched' | 'announced' | 'finished' | 'cancelling'>>): void {
    for (const [key, value] of Object.entries(change)) {
      // The keys are the four columns named in the type above, never input.
      this.sql.exec(`UPDATE ledger_run SET ${key} = ?`, typeof value === 'boolean' ? Number(value) : value);
    }
  }
}

function toTarget(row: TargetRow | undefined): TargetRecord | null {
  if (!row) return null;
  return {
    workerCheckUuid: row.worker_check_uuid,
    workerName: row.worker_name,
    state: row.state as TargetState,
    webhookId: row.webhook_id,
    digest: row.digest,
    healthScore: row.health_score,
  };
}

