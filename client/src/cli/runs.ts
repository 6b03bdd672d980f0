import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import {
  CancelHealthCheckDocument,
  HealthCheckDocument,
  HealthCheckHistoryDocument,
  HealthCheckUpdatedDocument,
  InitiateHealthCheckDocument,
  WorkerHealthCheckDocument,
  type HealthCheckQuery,
  type HealthCheckStatus,
  type HealthCheckUpdatedSubscription,
  type InitiateHealthCheckInput,
  type TriggerType,
  type WorkerHealthCheckQuery,
  type WorkerResultFieldsFragment,
} from '../../generated/graphql.js';
import type { WorkerHealthClient } from '../client.js';
import { WorkerHealthError } from '../errors.js';
import type { Context } from './context.js';
import { CliError, EXIT, exitCodeForRun, type ExitCode } from './exit-codes.js';
import { band, score, status, table, time, workerLine, workerTable } from './format.js';

export type Run = NonNullable<HealthCheckQuery['healthCheck']>;
type RunEvent = HealthCheckUpdatedSubscription['healthCheckUpdated'];
type WorkerCheck = NonNullable<WorkerHealthCheckQuery['workerHealthCheck']>;

/** `check`'s options, as commander parses them. */
export interface CheckOptions {
  workers?: string[];
  unit: boolean;
  performance: boolean;
  integration: boolean;
  timeout?: number;
  source?: string;
  watch?: boolean;
  minScore?: number;
  maxWait?: number;
}

export function initiateInput(options: CheckOptions): InitiateHealthCheckInput {
  return {
    ...(options.workers && options.workers.length > 0 ? { workerFilters: options.workers } : {}),
    includeUnitTests: options.unit,
    includePerformanceTests: options.performance,
    includeIntegrationTests: options.integration,
    ...(options.timeout === undefined ? {} : { timeoutMinutes: options.timeout }),
    ...(options.source === undefined ? {} : { triggerSource: options.source }),
  };
}

/** `check`: starts a run; with --watch follows it to its end and exits with its verdict. */
export async function check(ctx: Context, options: CheckOptions): Promise<ExitCode> {
  if (!options.watch) {
    for (const [flag, value] of [['--min-score', options.minScore], ['--max-wait', options.maxWait]] as const) {
      if (value !== undefined) throw new CliError(EXIT.USAGE, `${flag} needs --watch: the verdict is known only when the run ends`);
    }
    const { initiateHealthCheck } = await ctx.client().request(InitiateHealthCheckDocument, { input: initiateInput(options) });
    if (ctx.json) ctx.printJson(initiateHealthCheck);
    else {
      ctx.out(initiateHealthCheck.healthCheckUuid);
      if (ctx.stderrIsTTY) ctx.note(`${initiateHealthCheck.message} (follow it: worker-health status ${initiateHealthCheck.healthCheckUuid})`);
    }
    return EXIT.OK;
  }
  return watchRun(ctx, initiateInput(options), options);
}

const FINAL_WORKER = new Set(['COMPLETED', 'FAILED', 'TIMEOUT']);
/** How long past the run's own deadline to wait for the orchestrator to end it. */
const DEADLINE_GRACE_MS = 90_000;
/** How long to wait for the subscription socket before following the run by polling alone. */
const CONNECT_WAIT_MS = 10_000;
const POLL_MS = 3_000;
const POLL_WITHOUT_EVENTS_MS = 1_000;

/** Where a watched run's progress goes: a bar on a terminal, lines in a log, nothing for --json. */
interface RunView {
  started(uuid: string, total: number, message: string): void;
  worker(result: WorkerResultFieldsFragment, done: number, total: number): void;
  end(): void;
}

function runView(ctx: Context): RunView {
  const c = ctx.color;
  if (ctx.json) return { started() {}, worker() {}, end() {} };
  if (!ctx.stdoutIsTTY) {
    return {
      started: (uuid, total, message) => ctx.out(`started run ${uuid}: ${total} worker${total === 1 ? '' : 's'} (${message})`),
      worker: (result, done, total) => ctx.out(`[${done}/${total}] ${workerLine(c, result)}`),
      end() {},
    };
  }
  // A terminal: one live bar (workers done of total) with each result printed above it as it lands.
  const bars = new cliProgress.MultiBar(
    {
      stream: process.stdout,
      format: ` {bar} {value}/{total} workers  ${c.dim('{run}')}`,
      hideCursor: true,
      clearOnComplete: true,
      stopOnComplete: false,
      barsize: 30,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  return {
    started: (uuid, total, message) => {
      ctx.out(`started run ${c.bold(uuid)}: ${message}`);
      bar = bars.create(total, 0, { run: uuid });
    },
    worker: (result, done) => {
      bars.log(`${workerLine(c, result)}\n`);
      bar?.update(done);
      // Now, not at the next redraw: stop() drops lines still waiting for one.
      bars.update();
    },
    end: () => {
      if (!bar) return;
      bars.update();
      bars.stop();
    },
  };
}

async function readRun(client: WorkerHealthClient, uuid: string): Promise<Run> {
  const { healthCheck } = await client.request(HealthCheckDocument, { uuid });
  if (!healthCheck) throw new CliError(EXIT.INTERNAL, `run ${uuid} was started but cannot be read back`);
  return healthCheck;
}

/**
 * Starts a run and follows it to its end. It cannot miss its own run's early events: it
 * subscribes to every run's events *before* starting (keeping those that arrive before it knows
 * the run's uuid), and it re-reads the run when COMPLETED arrives, every few seconds, and whenever
 * the subscription ends, so the final table always has every worker.
 */
export async function watchRun(
  ctx: Context,
  input: InitiateHealthCheckInput,
  options: { minScore?: number; maxWait?: number },
): Promise<ExitCode> {
  const client = ctx.client();
  const c = ctx.color;
  const view = runView(ctx);
  const stop = new AbortController();

  let runUuid: string | null = null;
  let total = 0;
  const early: RunEvent[] = [];
  const shown = new Set<string>();
  let completedSeen = false;
  let subscriptionLive = true;
  let subscriptionError: unknown;
  let interrupted = false;
  let wake: () => void = () => {};

  // Each worker once, when its result is first seen (from its event, or from a re-read).
  const show = (result: WorkerResultFieldsFragment) => {
    if (shown.has(result.uuid) || !FINAL_WORKER.has(result.status)) return;
    shown.add(result.uuid);
    view.worker(result, shown.size, total);
  };
  const handle = (event: RunEvent) => {
    if (event.healthCheck.uuid !== runUuid) return;
    if (event.type === 'WORKER_RESULT' && event.workerResult) show(event.workerResult);
    if (event.type === 'COMPLETED') completedSeen = true;
    wake();
  };

  let connected: () => void = () => {};
  const connection = new Promise<void>((resolve) => (connected = resolve));
  const events = client.subscribe(HealthCheckUpdatedDocument, {}, {
    signal: stop.signal,
    onConnected: () => {
      ctx.debug('subscribed to every run\'s events');
      connected();
    },
  });
  const pump = (async () => {
    try {
      for await (const { healthCheckUpdated } of events) {
        ctx.debug(`event ${healthCheckUpdated.type} of run ${healthCheckUpdated.healthCheck.uuid}${runUuid === null ? ' (kept until the run is started)' : ''}`);
        if (runUuid === null) early.push(healthCheckUpdated);
        else handle(healthCheckUpdated);
      }
    } catch (error) {
      subscriptionError = error;
    } finally {
      subscriptionLive = false;
      connected();
      wake();
    }
  })();

  const onSigint = () => {
    interrupted = true;
    wake();
  };
  process.on('SIGINT', onSigint);
  let run: Run | null = null;
  let lastKnown: unknown = null;
  let waitedSince = Date.now();
  try {
    const timer = new AbortController();
    await Promise.race([connection, sleep(CONNECT_WAIT_MS, undefined, { signal: timer.signal }).catch(() => {})]);
    timer.abort();
    // A refused key is final; a socket that cannot be opened (a proxy without WebSocket) is not:
    // the run is then followed by polling.
    if (subscriptionError instanceof WorkerHealthError) throw subscriptionError;

    if (interrupted) throw new CliError(EXIT.INTERRUPTED, 'interrupted before a run was started');
    const { initiateHealthCheck: started } = await client.request(InitiateHealthCheckDocument, { input });
    waitedSince = Date.now();
    lastKnown = started.healthCheck;
    runUuid = started.healthCheckUuid;
    total = started.totalWorkers;
    view.started(runUuid, total, started.message);
    for (const event of early.splice(0)) handle(event);
    let toldFallback = false;
    const tellFallback = () => {
      if (subscriptionLive || toldFallback || ctx.json) return;
      toldFallback = true;
      const reason = subscriptionError instanceof Error ? subscriptionError.message : 'the server ended the subscription';
      ctx.note(`live updates unavailable (${reason}); reading the run every second instead`);
    };

    // The run's own deadline (plus the time the orchestrator takes to end it), or --max-wait.
    const deadlines = [Date.parse(started.healthCheck.timeoutAt ?? '') + DEADLINE_GRACE_MS, waitedSince + 1441 * 60_000];
    if (options.maxWait !== undefined) deadlines.push(waitedSince + options.maxWait * 1000);
    const deadline = Math.min(...deadlines.filter(Number.isFinite));

    // With live events the run is read when COMPLETED arrives, and every few seconds in case an
    // event was missed; without them, every second.
    let lastRead = subscriptionLive ? waitedSince : 0;
    for (;;) {
      const woken = new Promise<void>((resolve) => (wake = resolve));
      if (interrupted || Date.now() >= deadline) break;
      tellFallback();
      const pollEvery = subscriptionLive ? POLL_MS : POLL_WITHOUT_EVENTS_MS;
      if (completedSeen || Date.now() - lastRead >= pollEvery) {
        ctx.debug(`reading run ${runUuid}${completedSeen ? ' (COMPLETED arrived)' : ''}`);
        completedSeen = false;
        run = await readRun(client, runUuid);
        ctx.debug(`read: ${run.status}, ${run.completedWorkers}/${run.totalWorkers}`);
        lastKnown = run;
        lastRead = Date.now();
        for (const result of run.workerResults) show(result);
        if (run.status !== 'RUNNING') break;
        continue;
      }
      const timer = new AbortController();
      const until = Math.max(0, Math.min(lastRead + pollEvery, deadline) - Date.now());
      await Promise.race([woken, sleep(until, undefined, { signal: timer.signal }).catch(() => {})]);
      timer.abort();
    }
  } finally {
    process.off('SIGINT', onSigint);
    stop.abort();
    await pump;
    view.end();
  }

  const uuid = runUuid as string;
  if (interrupted) {
    ctx.note(`worker-health: interrupted; run ${uuid} goes on (worker-health status ${uuid}; worker-health cancel ${uuid} stops it)`);
    return EXIT.INTERRUPTED;
  }
  if (!run || run.status === 'RUNNING') {
    if (ctx.json) ctx.printJson(lastKnown);
    const waited = ((Date.now() - waitedSince) / 1000).toFixed(2);
    ctx.note(`worker-health: run ${uuid} did not finish within ${waited} s; it goes on on the server (worker-health status ${uuid})`);
    return EXIT.TIMED_OUT;
  }
  if (ctx.json) ctx.printJson(run);
  else {
    ctx.out();
    ctx.out(workerTable(c, run.workerResults));
    ctx.out();
    ctx.out(runSummary(ctx, run));
    printRecommendations(ctx, run, 3);
  }
  const code = exitCodeForRun(run, options.minScore);
  if (run.status === 'COMPLETED' && options.minScore !== undefined && run.overallHealthScore < options.minScore) {
    ctx.note(`score ${score(run.overallHealthScore)} is below --min-score ${options.minScore}`);
  }
  return code;
}

function runSummary(ctx: Context, run: Pick<Run, 'uuid' | 'status' | 'overallHealthScore' | 'healthStatus' | 'passedWorkers' | 'failedWorkers' | 'totalWorkers'>): string {
  const c = ctx.color;
  return `run ${c.bold(run.uuid)}  ${status(c, run.status)}  score ${score(run.overallHealthScore)}  ${band(c, run.healthStatus)}  (${run.passedWorkers} passed, ${run.failedWorkers} failed of ${run.totalWorkers})`;
}

function printRecommendations(ctx: Context, run: Pick<Run, 'uuid' | 'aiRecommendations'>, limit: number): void {
  if (run.aiRecommendations.length === 0) return;
  ctx.out(ctx.color.bold('recommendations'));
  run.aiRecommendations.slice(0, limit).forEach((text, i) => ctx.out(`  ${i + 1}. ${text}`));
  if (run.aiRecommendations.length > limit) ctx.out(ctx.color.dim(`  … ${run.aiRecommendations.length - limit} more: worker-health status ${run.uuid}`));
}

/** `watch`: every run's events as they happen, until Ctrl-C. */
export async function tail(ctx: Context): Promise<ExitCode> {
  const c = ctx.color;
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.on('SIGINT', onSigint);
  try {
    const events = ctx.client().subscribe(HealthCheckUpdatedDocument, {}, {
      signal: stop.signal,
      onConnected: () => ctx.note(`watching every run at ${ctx.url} (Ctrl-C stops)`),
    });
    for await (const { healthCheckUpdated: event } of events) {
      if (ctx.json) {
        process.stdout.write(`${JSON.stringify(event)}\n`);
        continue;
      }
      const at = new Date().toISOString().slice(11, 23);
      const run = event.healthCheck;
      if (event.type === 'WORKER_RESULT' && event.workerResult) ctx.out(`${at}  WORKER_RESULT  run ${run.uuid}  ${workerLine(c, event.workerResult)}`);
      else if (event.type === 'COMPLETED') ctx.out(`${at}  COMPLETED      ${runSummary(ctx, run)}`);
      else ctx.out(`${at}  ${event.type.padEnd(13)}  run ${run.uuid} (${run.totalWorkers} workers)`);
    }
    if (!stop.signal.aborted) throw new CliError(EXIT.UNREACHABLE, 'the server ended the subscription');
    return EXIT.OK;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** `status <uuid>`: a run (or one worker's check) as it is now. */
export async function showStatus(ctx: Context, uuid: string): Promise<ExitCode> {
  const client = ctx.client();
  const { healthCheck: run } = await client.request(HealthCheckDocument, { uuid });
  if (run) {
    if (ctx.json) ctx.printJson(run);
    else printRun(ctx, run);
    return EXIT.OK;
  }
  const { workerHealthCheck } = await client.request(WorkerHealthCheckDocument, { uuid });
  if (!workerHealthCheck) throw new CliError(EXIT.REFUSED, `no run and no worker check has the uuid ${uuid} (NOT_FOUND)`);
  if (ctx.json) ctx.printJson(workerHealthCheck);
  else printWorkerCheck(ctx, workerHealthCheck);
  return EXIT.OK;
}

function printRun(ctx: Context, run: Run): void {
  const c = ctx.color;
  ctx.out(runSummary(ctx, run));
  ctx.out(
    `trigger ${run.triggerType}${run.triggerSource ? ` (${run.triggerSource})` : ''}  started ${time(run.startedAt)}  completed ${time(run.completedAt)}  deadline ${time(run.timeoutAt)}`,
  );
  if (run.workerResults.length > 0) {
    ctx.out();
    ctx.out(workerTable(c, run.workerResults));
  }
  if (run.aiAnalysis) {
    ctx.out();
    ctx.out(c.bold('analysis'));
    ctx.out(`  ${run.aiAnalysis}`);
  }
  if (run.aiRecommendations.length > 0) {
    ctx.out();
    printRecommendations(ctx, run, Number.POSITIVE_INFINITY);
  }
}

function printWorkerCheck(ctx: Context, w: WorkerCheck): void {
  const c = ctx.color;
  ctx.out(`worker check ${c.bold(w.uuid)} of run ${w.healthCheckUuid}`);
  ctx.out(workerLine(c, w));
  ctx.out(`requested ${time(w.requestedAt)}  started ${time(w.startedAt)}  completed ${time(w.completedAt)}`);
  for (const [kind, s] of [['unit', w.unitTests], ['performance', w.performanceTests], ['integration', w.integrationTests]] as const) {
    if (s.results.length === 0) continue;
    ctx.out();
    ctx.out(c.bold(`${kind} tests`));
    ctx.out(table(c, ['TEST', 'STATUS', 'MS', 'ERROR'], s.results.map((r) => [r.name, r.status === 'PASSED' ? c.green(r.status) : c.red(r.status), r.durationMs.toFixed(1), r.error ?? ''])));
  }
  if (w.warnings.length > 0) ctx.out(`\n${c.bold('warnings')}\n${w.warnings.map((text) => `  ${text}`).join('\n')}`);
  if (w.aiWorkerAnalysis) ctx.out(`\n${c.bold('analysis')}\n  ${w.aiWorkerAnalysis}`);
}

/** `cancel <uuid>`. */
export async function cancel(ctx: Context, uuid: string): Promise<ExitCode> {
  const { cancelHealthCheck: run } = await ctx.client().request(CancelHealthCheckDocument, { uuid });
  if (ctx.json) ctx.printJson(run);
  else ctx.out(`cancelled run ${run.uuid}: ${run.completedWorkers} of ${run.totalWorkers} workers had reported`);
  return EXIT.OK;
}

export interface HistoryOptions {
  limit: number;
  trigger?: 'cron' | 'on-demand';
  status?: string;
  after?: string;
}

/** `history`: runs, newest first. */
export async function history(ctx: Context, options: HistoryOptions): Promise<ExitCode> {
  const triggerType: TriggerType | undefined = options.trigger === undefined ? undefined : options.trigger === 'cron' ? 'CRON' : 'ON_DEMAND';
  const { healthChecks } = await ctx.client().request(HealthCheckHistoryDocument, {
    first: options.limit,
    ...(options.after === undefined ? {} : { after: options.after }),
    ...(triggerType === undefined ? {} : { triggerType }),
    ...(options.status === undefined ? {} : { status: options.status.toUpperCase() as HealthCheckStatus }),
  });
  if (ctx.json) {
    ctx.printJson(healthChecks);
    return EXIT.OK;
  }
  const c = ctx.color;
  const runs = healthChecks.edges.map((edge) => edge.node);
  if (runs.length === 0) {
    ctx.out('no runs');
    return EXIT.OK;
  }
  ctx.out(
    table(
      c,
      ['RUN', 'STARTED', 'TRIGGER', 'STATUS', 'SCORE', 'HEALTH', 'PASSED'],
      runs.map((run) => [
        run.uuid,
        time(run.startedAt),
        run.triggerSource ? `${run.triggerType} ${c.dim(run.triggerSource)}` : run.triggerType,
        status(c, run.status),
        score(run.overallHealthScore),
        band(c, run.healthStatus),
        `${run.passedWorkers}/${run.totalWorkers}`,
      ]),
    ),
  );
  const more = healthChecks.pageInfo.hasNextPage && healthChecks.pageInfo.endCursor;
  ctx.note(ctx.errColor.dim(`${runs.length} of ${healthChecks.totalCount}${more ? `; older: --after ${healthChecks.pageInfo.endCursor}` : ''}`));
  return EXIT.OK;
}
