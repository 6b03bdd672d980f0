import { DurableObject } from 'cloudflare:workers';
import { createOperationDeps, type OperationDeps } from '../resolvers/deps';
import { markWorkerFailed, markWorkerRunning } from '../resolvers/dispatch-results';
import { finaliseRunIfComplete, timeOutOutstandingWorkers } from '../resolvers/finalise';
import type { DispatchTarget, RunStartParams } from '../resolvers/initiate';
import {
  DISPATCH_CONCURRENCY,
  DISPATCH_TIMEOUT_MS,
  dispatchOutcome,
  mapWithConcurrency,
  nextAlarmAt,
  onAlarm,
  type RunPlanState,
} from './run-plan';

interface StoredRun extends RunStartParams {
  dispatched: number;
  finished: boolean;
}

const RUN_KEY = 'run';

/**
 * One per health check (named by its uuid). Dispatches the run's workers in alarm-driven
 * batches, times the run out at its deadline, and finalises it when the last result is in.
 * Its state lives in storage and D1, so an evicted or restarted object carries on from its alarm.
 * The decisions are in run-plan.ts; this class feeds them storage, alarms and fetches.
 */
export class HealthCheckRun extends DurableObject<Env> {
  private deps(): OperationDeps {
    return createOperationDeps(this.env, (promise) => this.ctx.waitUntil(promise));
  }

  private async load(): Promise<StoredRun | undefined> {
    return this.ctx.storage.get<StoredRun>(RUN_KEY);
  }

  private plan(run: StoredRun): RunPlanState {
    return { dispatched: run.dispatched, total: run.targets.length, timeoutAt: run.timeoutAt, finished: run.finished };
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
    await this.save({ ...params, dispatched: 0, finished: false });
  }

  /** A worker's result is recorded: finalise if it was the last one. */
  async resultRecorded(): Promise<void> {
    const run = await this.load();
    if (!run || run.finished) return;
    if (await finaliseRunIfComplete(this.deps(), run.healthCheckUuid)) await this.finish(run);
  }

  /** The run was cancelled: stop dispatching and waiting. */
  async stop(): Promise<void> {
    const run = await this.load();
    if (run && !run.finished) await this.finish(run);
  }

  private async finish(run: StoredRun) {
    await this.save({ ...run, finished: true });
  }

  override async alarm(): Promise<void> {
    const run = await this.load();
    if (!run) return;
    const wakeup = onAlarm(this.plan(run), Date.now());
    if (wakeup.kind === 'timeout') {
      await timeOutOutstandingWorkers(this.deps(), run.healthCheckUuid, run.timeoutMinutes);
      await finaliseRunIfComplete(this.deps(), run.healthCheckUuid);
      await this.finish(run);
      return;
    }
    if (wakeup.kind === 'dispatch') {
      const batch = run.targets.slice(wakeup.from, wakeup.to);
      // Saved before dispatching: a crash mid-batch must not dispatch a worker twice.
      await this.save({ ...run, dispatched: wakeup.to });
      await mapWithConcurrency(batch, DISPATCH_CONCURRENCY, (target) => this.dispatch(run, target));
      if (await finaliseRunIfComplete(this.deps(), run.healthCheckUuid)) await this.finish({ ...run, dispatched: wakeup.to });
    }
  }

  private async dispatch(run: StoredRun, target: DispatchTarget): Promise<void> {
    const body = JSON.stringify({
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
    });
    const deps = this.deps();
    let answer: { status: number; body: string } | { error: unknown };
    // A timer cleared as soon as the dispatch settles: AbortSignal.timeout's would outlive it
    // and keep the object busy (it could not hibernate or be evicted) for the whole timeout.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${DISPATCH_TIMEOUT_MS} ms`)), DISPATCH_TIMEOUT_MS);
    try {
      const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: controller.signal };
      const response = target.binding
        ? await this.fetcherFor(target.binding).fetch(`https://${target.workerName}/health-check/execute`, init)
        : await fetch(new URL('/health-check/execute', target.url!), init);
      // Always read or cancel the body: an unread body keeps the subrequest open.
      const text = response.status === 202 ? (await response.body?.cancel(), '') : await response.text();
      answer = { status: response.status, body: text };
    } catch (error) {
      answer = { error };
    } finally {
      clearTimeout(timer);
    }
    const outcome = dispatchOutcome(target.workerName, answer);
    if (run.options.debugMode) {
      console.log(JSON.stringify({ event: 'health_check.dispatch', healthCheckUuid: run.healthCheckUuid, worker: target.workerName, outcome }));
    }
    if (outcome.accepted) await markWorkerRunning(deps, target.workerCheckUuid);
    else await markWorkerFailed(deps, run.healthCheckUuid, target.workerCheckUuid, outcome.error);
  }

  private fetcherFor(binding: string): Fetcher {
    const fetcher = (this.env as unknown as Record<string, Fetcher | undefined>)[binding];
    if (!fetcher || typeof fetcher.fetch !== 'function') throw new Error(`no service binding ${binding}`);
    return fetcher;
  }
}
