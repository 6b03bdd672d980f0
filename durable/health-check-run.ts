import { DurableObject } from 'cloudflare:workers';
import type { OperationDeps } from '../operations/deps';
import { serviceBinding } from '../operations/service-binding';
import { createOperationDeps } from './operation-deps';
import { failedDispatchEvents, markWorkerFailed, markWorkerRunning, stillToDispatch } from '../operations/dispatch-results';
import { STARTED_SEQUENCE } from '../operations/events';
import { finaliseRunIfComplete, timeOutOutstandingWorkers } from '../operations/finalise';
import type { DispatchTarget, RunStartParams } from '../operations/initiate';
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

interface StoredRun extends RunStartParams {
  /**
   * The cursor: targets before it were dispatched and their answers recorded. It moves past a
   * batch only once the batch's sends have settled (run-plan.ts), so a batch cut short by a
   * crash, an eviction or a deploy is dispatched again. Same name and meaning for a stored run
   * either side of a deploy.
   */
  dispatched: number;
  /** STARTED is published once, by this object, before its first dispatch. */
  announced: boolean;
  finished: boolean;
}

const RUN_KEY = 'run';

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
 * One per health check (named by its uuid). Announces the run, dispatches its workers in
 * alarm-driven batches, times it out at its deadline, and finalises it when the last result is
 * in. Its state lives in storage and D1, so an evicted or restarted object carries on from its
 * alarm, and an open run always has an alarm. A batch cut short at any instant is dispatched
 * again to its workers still pending in D1 (run-plan.ts). The decisions are in run-plan.ts; this
 * class feeds them storage, alarms and fetches.
 */
export class HealthCheckRun extends DurableObject<Env> {
  /** A completion check in progress: concurrent callers share it rather than each analysing. */
  private finalising: Promise<boolean> | undefined;

  private deps(): OperationDeps {
    return createOperationDeps(this.env, (promise) => this.ctx.waitUntil(promise));
  }

  private async load(): Promise<StoredRun | undefined> {
    return this.ctx.storage.get<StoredRun>(RUN_KEY);
  }

  private plan(run: StoredRun): RunPlanState {
    return { dispatched: run.dispatched, total: run.targets.length, timeoutAt: run.timeoutAt, finished: run.finished };
  }

  /**
   * Saves `change` over the state as stored now, not over a copy read before an await: a stop()
   * (a cancel) or a finalisation may have come in meanwhile, and must not be undone.
   */
  private async update(run: StoredRun, change: (latest: StoredRun) => Partial<StoredRun>): Promise<StoredRun> {
    const latest = (await this.load()) ?? run;
    const next = { ...latest, ...change(latest) };
    await this.save(next);
    return next;
  }

  private async save(run: StoredRun) {
    await this.ctx.storage.put(RUN_KEY, run);
    const at = nextAlarmAt(this.plan(run), Date.now());
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
  }

  /** Starts the run; a repeated start (a retried RPC) changes nothing. */
  async start(params: RunStartParams): Promise<void> {
    if (await this.load()) return;
    await this.save({ ...params, dispatched: 0, announced: false, finished: false });
  }

  /** A worker's result is recorded: finalise if it was the last one. */
  async resultRecorded(): Promise<void> {
    const run = await this.load();
    if (run && !run.finished) await this.finaliseIfComplete(run);
  }

  /** The run was cancelled: stop dispatching and waiting. */
  async stop(): Promise<void> {
    const run = await this.load();
    if (run && !run.finished) await this.save({ ...run, finished: true });
  }

  /**
   * Aborts this object as an eviction or a crash would (http/chaos.ts, soak only): its memory is
   * dropped, its storage and alarm stay, and the next call or alarm starts a fresh instance.
   */
  async abortForChaos(): Promise<void> {
    this.ctx.abort('chaos: aborted by the soak');
  }

  private async finaliseIfComplete(run: StoredRun): Promise<boolean> {
    this.finalising ??= finaliseRunIfComplete(this.deps(), run.healthCheckUuid).finally(() => {
      this.finalising = undefined;
    });
    const finalised = await this.finalising;
    if (finalised) {
      const latest = (await this.load()) ?? run;
      if (!latest.finished) await this.save({ ...latest, finished: true });
    }
    return finalised;
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
    const run = await this.load();
    if (!run) return;
    const wakeup = onAlarm(this.plan(run), Date.now());
    const deps = this.deps();
    switch (wakeup.kind) {
      case 'idle':
        return;
      case 'timeout': {
        await timeOutOutstandingWorkers(deps, run.healthCheckUuid, run.timeoutMinutes);
        // Through the de-duplicated path: a finalisation already waiting on its analysis is joined,
        // not run a second time beside it.
        await this.finaliseIfComplete(run);
        await this.save({ ...run, finished: true });
        return;
      }
      case 'check-complete': {
        if (!(await this.finaliseIfComplete(run))) await this.save(run);
        return;
      }
      case 'dispatch': {
        if (!run.announced) {
          await deps.publish({ type: 'STARTED', healthCheckUuid: run.healthCheckUuid, sequence: STARTED_SEQUENCE });
          run.announced = true;
        }
        // Bookkeeping before the sends: STARTED is said, and the alarm stays armed for this very
        // batch (the cursor has not moved), so an object that dies during the batch is woken to
        // dispatch it again.
        await this.update(run, () => ({ announced: true }));
        await this.probe({ at: 'bookkept', from: wakeup.from, to: wakeup.to });
        // Only workers still pending in a run still running: one an interrupted attempt at this
        // batch got an answer from is running or failed already, and a cancel may have come first.
        const batch = run.targets.slice(wakeup.from, wakeup.to);
        const open = await stillToDispatch(deps, run.healthCheckUuid, batch.map((target) => target.workerCheckUuid));
        const failed = await mapWithConcurrency(toSend(batch, open), DISPATCH_CONCURRENCY, (target) => this.dispatch(run, target));
        await this.probe({ at: 'settled', from: wakeup.from, to: wakeup.to });
        // Every send has settled (each worker is running or failed in D1): only now does the
        // cursor move past the batch.
        const advanced = await this.update(run, (latest) => ({ dispatched: cursorAfterBatch(this.plan(latest), wakeup) }));
        await this.probe({ at: 'advanced', from: wakeup.from, to: wakeup.to });
        // One publish for the whole batch: a hub request per shard, however many failed.
        await deps.publish(...(await failedDispatchEvents(deps, run.healthCheckUuid, failed)));
        await this.finaliseIfComplete(advanced);
        return;
      }
    }
  }

  /** Dispatches one worker; returns its workerCheckUuid when it failed at once, else null. */
  private async dispatch(run: StoredRun, target: DispatchTarget): Promise<string | null> {
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
      callback_url: run.callbackUrl,
      deadline: new Date(run.timeoutAt).toISOString(),
    };
    const body = JSON.stringify(dispatch);
    const deps = this.deps();
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
    let failed = false;
    if (outcome.accepted) await markWorkerRunning(deps, target.workerCheckUuid);
    else failed = await markWorkerFailed(deps, run.healthCheckUuid, target.workerCheckUuid, outcome.error);
    await this.probe({ at: 'recorded', workerCheckUuid: target.workerCheckUuid });
    return failed ? target.workerCheckUuid : null;
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
