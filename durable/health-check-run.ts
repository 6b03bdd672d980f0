import { DurableObject } from 'cloudflare:workers';
import type { OperationDeps } from '../operations/deps';
import { serviceBinding } from '../operations/service-binding';
import { createOperationDeps } from './operation-deps';
import { endRun } from '../operations/cancel';
import { routedCallbackUrl } from '../operations/callback-route';
import { STARTED_SEQUENCE, workerResultEvents, type HealthCheckEvent } from '../operations/events';
import { finaliseRunIfComplete } from '../operations/finalise';
import { FLUSH_BYTES, FLUSH_ROWS, flushRows, markRunning } from '../operations/flush-results';
import type { DispatchTarget, RunStartParams } from '../operations/initiate';
import { endedRow } from '../operations/result-row';
import type { RecordOutcome, ResultSubmission } from '../operations/run-ledger-types';
import { toSqliteTimestamp } from '../db/columns';
import { CANCELLED_MESSAGE, deadlineMessage } from '../domain/failure-messages';
import { decideSubmission } from './ledger-decisions';
import { RunLedger, type LedgerRun } from './run-ledger';
import { readRunToAdopt, type LegacyStoredRun } from './adopt-run';
import { deriveWorkerSecret, dispatchWebhookId, signedHeaders, type ExecuteRequest } from '../sdk/src/protocol';
import {
  ALARM_RETRY_MS,
  cursorAfterBatch,
  DISPATCH_CONCURRENCY,
  DISPATCH_TIMEOUT_MS,
  dispatchOutcome,
  mapWithConcurrency,
  nextAlarmAt,
  onAlarm,
  toSend,
  type RunPlanState,
} from './run-plan';

const FLUSH_RETRY_MS = 5_000;
/** How long a flush waits for more results before it starts (adds at most this to an answer). */
const FLUSH_LINGER_MS = 4;
/** Where the object's version before the ledger kept its run (adopt-run.ts reads it once). */
const LEGACY_RUN_KEY = 'run';

/**
 * The instants of a dispatch batch, named for the tests that kill the object at each one
 * (tests/runs/crash-safe-dispatch.test.ts), as a deploy, an eviction or a crash would.
 */
export type DispatchInstant =
  | { at: 'bookkept'; from: number; to: number }
  | { at: 'sending'; workerCheckUuid: string }
  | { at: 'answered'; workerCheckUuid: string }
  | { at: 'recorded'; workerCheckUuid: string }
  | { at: 'settled'; from: number; to: number }
  | { at: 'advanced'; from: number; to: number };

/** A test's observer of those instants; never set outside tests. */
export const dispatchProbe: { observe?: (instant: DispatchInstant, ctx: DurableObjectState) => void | Promise<void> } = {};

/**
 * One per health check (named by its uuid), and the one place its results are decided.
 *
 * Its ledger (run-ledger.ts, the object's own SQLite storage) holds the run's targets and their
 * states. Every final state of a worker is decided here, in one thread: a result (recordResult), a
 * failed dispatch, the deadline, a cancel. Each takes the run's next sequence and adds to the exact
 * counters in the same storage transaction, and joins the outbox. The outbox goes to D1 by group
 * commit: one flush at a time, each taking everything queued meanwhile as one D1 batch (a few
 * statements however many rows, operations/flush-results.ts), so D1 sees about one batch per burst
 * of results instead of several statements per result. A caller is answered once its row is in D1,
 * and the run's WORKER_RESULT events are published after it, in order, without the caller waiting.
 *
 * Dispatch is alarm-driven and crash-safe (run-plan.ts); an evicted or restarted object carries on
 * from its alarm and its ledger, and an outbox left by a crash is flushed by the next call or alarm.
 */
export class HealthCheckRun extends DurableObject<Env> {
  private readonly ledger: RunLedger;
  /** A completion check in progress: concurrent callers share it rather than each analysing. */
  private finalising: Promise<boolean> | undefined;
  /** The flush under way, and the one that will take what is queued while it runs. */
  private flushing: Promise<void> | undefined;
  private nextFlush: Promise<void> | undefined;
  /** Checks whose rows D1 refused in the latest flushes (ended by a writer outside the ledger). */
  private readonly refused = new Set<string>();
  /** Publishes go out one after another, so subscribers get the run's events in order. */
  private published: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.ledger = new RunLedger(ctx.storage);
  }

  private deps(): OperationDeps {
    const deps = createOperationDeps(this.env, (promise) => this.ctx.waitUntil(promise));
    return { ...deps, publish: (...events) => this.publishInOrder(deps.publish, events) };
  }

  private publishInOrder(publish: OperationDeps['publish'], events: HealthCheckEvent[]): Promise<void> {
    if (events.length === 0) return this.published;
    const done = this.published.then(() => publish(...events));
    this.published = done.catch(() => {});
    this.ctx.waitUntil(done);
    return done;
  }

  private plan(run: LedgerRun): RunPlanState {
    return { dispatched: run.dispatched, total: run.total, timeoutAt: run.timeoutAt, finished: run.finished };
  }

  /** Arms the alarm the ledger's state calls for (none once the run is finished). */
  private async rearm() {
    const run = this.ledger.run();
    if (!run) return;
    const at = nextAlarmAt(this.plan(run), Date.now());
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
  }

  private adopting: Promise<LedgerRun | null> | undefined;

  /**
   * The ledger's run; for a run it never started (one started by the object's earlier version, or
   * written straight to D1), the run as D1 has it, taken over once (adopt-run.ts).
   */
  private async currentRun(healthCheckUuid: string | null): Promise<LedgerRun | null> {
    const run = this.ledger.run();
    if (run || healthCheckUuid === null) return run;
    this.adopting ??= (async () => {
      const legacy = await this.ctx.storage.get<LegacyStoredRun>(LEGACY_RUN_KEY);
      const read = await readRunToAdopt(this.deps().db, this.env, healthCheckUuid, legacy);
      if (!read) return null;
      this.ledger.adopt(read.run, read.adopted);
      await this.rearm();
      return this.ledger.run();
    })().finally(() => {
      this.adopting = undefined;
    });
    return this.adopting;
  }

  /** Starts the run; a repeated start (a retried RPC) changes nothing. */
  async start(params: RunStartParams): Promise<void> {
    if (this.ledger.start(params)) await this.rearm();
  }

  /**
   * Records a worker's result exactly once (ledger-decisions.ts says whether it may), and answers
   * once its row is in D1. The result was verified, validated and scored by the Worker it came to.
   */
  async recordResult(healthCheckUuid: string, submission: ResultSubmission): Promise<RecordOutcome> {
    if (!(await this.currentRun(healthCheckUuid))) return { kind: 'too-late', workerName: null };
    const run = this.ledger.run()!;
    const decision = decideSubmission({
      target: this.ledger.target(submission.workerCheckUuid),
      signedBy: submission.workerName,
      consumedBy: submission.webhookId === null ? null : this.ledger.consumedBy(submission.webhookId),
      webhookId: submission.webhookId,
      digest: submission.digest,
      finished: run.finished,
    });
    if (decision.kind === 'retry') {
      // Its row may still be on its way to D1: answer once it is there.
      await this.flush();
      return decision;
    }
    if (decision.kind !== 'accept') return decision;
    const sequence = this.ledger.recordResult(submission, submission.webhookId);
    await this.flush();
    if (this.refused.has(submission.workerCheckUuid)) return { kind: 'too-late', workerName: decision.target.workerName };
    return { kind: 'recorded', workerName: decision.target.workerName, sequence };
  }

  /** A worker's result was recorded elsewhere, or a caller wants the run checked: finalise if complete. */
  async resultRecorded(healthCheckUuid: string | null = null): Promise<void> {
    await this.currentRun(healthCheckUuid);
    await this.flush();
    await this.finaliseIfComplete();
  }

  /**
   * Cancels the run: no result is taken from now on, the ones taken are written, then the run and
   * its open workers end in D1 (operations/cancel.ts). 'not-running' when it had ended already,
   * 'no-run' when this object never started a run.
   */
  async cancel(healthCheckUuid: string | null = null): Promise<'cancelled' | 'not-running' | 'no-run'> {
    const run = await this.currentRun(healthCheckUuid);
    if (!run) return 'no-run';
    if (run.finished && !run.cancelling) return 'not-running';
    this.ledger.update({ finished: true, cancelling: true });
    return (await this.finishCancel()) ? 'cancelled' : 'not-running';
  }

  private async finishCancel(): Promise<boolean> {
    await this.flush();
    const ended = await endRun(this.deps(), this.ledger.run()!.healthCheckUuid, 'cancelled', CANCELLED_MESSAGE);
    this.ledger.update({ cancelling: false });
    await this.rearm();
    return ended;
  }

  /**
   * Aborts this object as an eviction or a crash would (http/chaos.ts, soak only): its memory is
   * dropped, its storage and alarm stay, and the next call or alarm starts a fresh instance.
   */
  async abortForChaos(): Promise<void> {
    this.ctx.abort('chaos: aborted by the soak');
  }

  /**
   * Group commit: starts a flush if none is running, else joins the one that starts when it ends
   * (which takes everything queued meanwhile). Settles once what was queued before the call is in D1.
   */
  private flush(): Promise<void> {
    if (!this.flushing) {
      // A moment's linger first, so results arriving together share a flush even when D1 answers
      // faster than they come (a flush costs the same three statements for one row or 250).
      this.flushing = new Promise((resolve) => setTimeout(resolve, FLUSH_LINGER_MS)).then(() => this.flushOutbox()).finally(() => {
        this.flushing = undefined;
      });
      return this.flushing;
    }
    this.nextFlush ??= this.flushing
      .catch(() => {})
      .then(() => {
        this.nextFlush = undefined;
        return this.flush();
      });
    return this.nextFlush;
  }

  private async flushOutbox(): Promise<void> {
    const deps = this.deps();
    const run = this.ledger.run();
    if (!run) return;
    try {
      for (let batch = this.ledger.nextFlush(FLUSH_ROWS, FLUSH_BYTES); batch; batch = this.ledger.nextFlush(FLUSH_ROWS, FLUSH_BYTES)) {
        const taken = await flushRows(deps.db, run.healthCheckUuid, batch.rows, batch.counters);
        const refused = batch.rows.filter((row) => !taken.has(row.workerCheckUuid)).map((row) => row.workerCheckUuid);
        this.ledger.flushed(batch.rows, refused);
        for (const uuid of refused) this.refused.add(uuid);
        const events = workerResultEvents(
          run.healthCheckUuid,
          batch.rows.filter((row) => taken.has(row.workerCheckUuid)).map((row) => ({ workerCheckUuid: row.workerCheckUuid, resultSequence: row.sequence })),
        );
        // After the rows are in D1, and never awaited here: subscribers do not slow the run.
        void deps.publish(...events).catch(() => {});
      }
    } catch (error) {
      // D1 unavailable: the outbox stays, and the next call or this alarm writes it.
      const alarm = await this.ctx.storage.getAlarm();
      if (alarm === null || alarm > Date.now() + FLUSH_RETRY_MS) await this.ctx.storage.setAlarm(Date.now() + FLUSH_RETRY_MS);
      throw error;
    }
    const after = this.ledger.run();
    if (after && !after.finished && !after.held && after.counters.completedWorkers >= after.total) {
      this.ctx.waitUntil(this.finaliseIfComplete().catch((error) => console.error(JSON.stringify({ event: 'health_check_run.finalise_failed', error: String(error) }))));
    }
  }

  /** `atDeadline`: the deadline passed, so even a held run (LedgerRun.held) is finalised. */
  private async finaliseIfComplete(atDeadline = false): Promise<boolean> {
    this.finalising ??= (async () => {
      const run = this.ledger.run();
      if (!run || run.finished || (run.held && !atDeadline) || !this.ledger.outboxEmpty()) return false;
      const finalised = await finaliseRunIfComplete(this.deps(), run.healthCheckUuid);
      if (finalised) {
        this.ledger.update({ finished: true });
        await this.rearm();
      }
      return finalised;
    })().finally(() => {
      this.finalising = undefined;
    });
    return this.finalising;
  }

  override async alarm(): Promise<void> {
    try {
      await this.wakeUp();
    } catch (error) {
      // Never let the platform's alarm retries run out on an open run: try again later.
      console.error(JSON.stringify({ event: 'health_check_run.alarm_failed', error: String(error) }));
      await this.ctx.storage.setAlarm(Date.now() + ALARM_RETRY_MS);
    }
  }

  private async wakeUp(): Promise<void> {
    const run = this.ledger.run();
    if (!run) return;
    // What a crash left: rows decided but not yet in D1, a cancel cut short.
    await this.flush();
    if (run.cancelling) {
      await this.finishCancel();
      return;
    }
    const wakeup = onAlarm(this.plan(run), Date.now());
    const deps = this.deps();
    switch (wakeup.kind) {
      case 'idle':
        return;
      case 'timeout': {
        this.ledger.endOpen('all', 'timeout', endedRow('timeout', deadlineMessage(run.timeoutMinutes)));
        await this.flush();
        // Through the de-duplicated path: a finalisation already waiting on its analysis is joined,
        // not run a second time beside it.
        await this.finaliseIfComplete(true);
        this.ledger.update({ finished: true });
        await this.rearm();
        return;
      }
      case 'check-complete': {
        if (!(await this.finaliseIfComplete())) await this.rearm();
        return;
      }
      case 'dispatch': {
        if (!run.announced) {
          await deps.publish({ type: 'STARTED', healthCheckUuid: run.healthCheckUuid, sequence: STARTED_SEQUENCE });
          // Bookkeeping before the sends: STARTED is said, and the alarm stays armed for this very
          // batch (the cursor has not moved), so an object that dies during the batch is woken to
          // dispatch it again.
          this.ledger.update({ announced: true });
        }
        await this.rearm();
        await this.probe({ at: 'bookkept', from: wakeup.from, to: wakeup.to });
        // Only workers still pending: one an interrupted attempt at this batch got an answer from is
        // running or failed already, and a cancel may have come first (the run is then finished).
        const batch = this.ledger.targets(wakeup.from, wakeup.to);
        const open = this.ledger.pendingOf(batch.map((target) => target.workerCheckUuid));
        await mapWithConcurrency(toSend(batch, open), DISPATCH_CONCURRENCY, (target) => this.dispatch(run, target));
        // The batch's running workers in one D1 statement (again for any an interrupted attempt
        // left pending in D1), and its failures as one flush.
        await markRunning(deps.db, this.ledger.runningOf(batch.map((target) => target.workerCheckUuid)), toSqliteTimestamp(new Date()));
        await this.flush();
        await this.probe({ at: 'settled', from: wakeup.from, to: wakeup.to });
        // Every send has settled (each worker is running or failed): only now does the cursor move.
        const latest = this.ledger.run()!;
        this.ledger.update({ dispatched: cursorAfterBatch(this.plan(latest), wakeup) });
        await this.rearm();
        await this.probe({ at: 'advanced', from: wakeup.from, to: wakeup.to });
        await this.finaliseIfComplete();
        return;
      }
    }
  }

  /** Dispatches one worker, and notes its answer in the ledger: running, or failed with why. */
  private async dispatch(run: LedgerRun, target: DispatchTarget): Promise<void> {
    // The protocol's dispatch with every field, the optional ones included: a field added to the
    // protocol does not compile here until the run object sends it.
    const dispatch: Required<ExecuteRequest> = {
      worker_check_uuid: target.workerCheckUuid,
      health_check_uuid: run.healthCheckUuid,
      worker_name: target.workerName,
      options: {
        include_unit_tests: run.options.includeUnitTests,
        include_performance_tests: run.options.includePerformanceTests,
        include_integration_tests: run.options.includeIntegrationTests,
        debug_mode: run.options.debugMode,
      },
      callback_url: routedCallbackUrl(run.callbackUrl, run.healthCheckUuid, target.workerName),
      deadline: new Date(run.timeoutAt).toISOString(),
    };
    const body = JSON.stringify(dispatch);
    let answer: { status: number; body: string } | { error: unknown };
    await this.probe({ at: 'sending', workerCheckUuid: target.workerCheckUuid });
    // A timer cleared as soon as the dispatch settles: AbortSignal.timeout's would outlive it
    // and keep the object busy (it could not hibernate or be evicted) for the whole timeout.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${DISPATCH_TIMEOUT_MS} ms`)), DISPATCH_TIMEOUT_MS);
    try {
      const init = { method: 'POST', headers: await this.dispatchHeaders(target, body), body, signal: controller.signal };
      const response = target.binding
        ? await this.fetcherFor(target.binding).fetch(`https://${target.workerName}/health-check/execute`, init)
        : await fetch(executeUrl(target.url!), init);
      // Always read or cancel the body: an unread body keeps the subrequest open.
      const text = response.status === 202 ? (await response.body?.cancel(), '') : await response.text();
      answer = { status: response.status, body: text };
    } catch (error) {
      answer = { error };
    } finally {
      clearTimeout(timer);
    }
    await this.probe({ at: 'answered', workerCheckUuid: target.workerCheckUuid });
    const outcome = dispatchOutcome(target.workerName, answer);
    if (run.options.debugMode) {
      console.log(JSON.stringify({ event: 'health_check.dispatch', healthCheckUuid: run.healthCheckUuid, worker: target.workerName, outcome }));
    }
    // A result may have come before the answer: then the worker is final already and stays so.
    if (outcome.accepted) this.ledger.markRunning(target.workerCheckUuid);
    else this.ledger.endOpen([target.workerCheckUuid], 'failed', endedRow('failed', outcome.error));
    await this.probe({ at: 'recorded', workerCheckUuid: target.workerCheckUuid });
  }

  private async probe(instant: DispatchInstant) {
    await dispatchProbe.observe?.(instant, this.ctx);
  }

  /**
   * Standard Webhooks headers signing `body` with the worker's own secret, the one it signs its
   * result with: the worker runs nothing for a dispatch it cannot verify (docs/worker-protocol.md).
   */
  private async dispatchHeaders(target: DispatchTarget, body: string): Promise<Record<string, string>> {
    // Inside the dispatch's try: a dispatch that cannot be signed fails its worker, never the batch.
    const secret = await deriveWorkerSecret(this.env.HEALTH_CHECK_SIGNING_KEY, target.workerName).catch((error: unknown) => {
      throw new Error(`the dispatch could not be signed: ${error instanceof Error ? error.message : String(error)}`);
    });
    return signedHeaders(secret, dispatchWebhookId(target.workerCheckUuid), body);
  }

  private fetcherFor(binding: string): Fetcher {
    const fetcher = serviceBinding(this.env, binding);
    if (!fetcher) throw new Error(`no service binding ${binding}`);
    return fetcher;
  }
}

/** The execute endpoint under a worker's base URL, keeping any path it has (https://host/billing). */
export function executeUrl(base: string): URL {
  return new URL('health-check/execute', base.endsWith('/') ? base : `${base}/`);
}
