import { z } from 'zod';
import { insertsWithinLimit } from '../db/chunks';
import { healthChecks, TRIGGER_TYPES } from '../db/health-checks';
import { workerHealthChecks } from '../db/worker-health-checks';
import type { WorkerRow } from '../db/workers';
import type { OperationDeps } from './deps';
import { badInput, parseInput } from './errors';
import { failRunThatCouldNotStart } from './cancel';
import { selectWorkers } from './workers-registry';

export const MAX_TIMEOUT_MINUTES = 24 * 60;
/** A run's deadline when none is given: on demand, over RPC and for a schedule alike. */
export const DEFAULT_TIMEOUT_MINUTES = 30;

export const initiateInput = z.object({
  triggerType: z.enum(TRIGGER_TYPES).default('on_demand'),
  triggerSource: z.string().trim().max(200, 'triggerSource is at most 200 characters').nullish(),
  timeoutMinutes: z
    .number()
    .int('timeoutMinutes must be a whole number')
    .min(1, 'timeoutMinutes must be at least 1')
    .max(MAX_TIMEOUT_MINUTES, `timeoutMinutes must be at most ${MAX_TIMEOUT_MINUTES}`)
    .default(DEFAULT_TIMEOUT_MINUTES),
  includeUnitTests: z.boolean().default(true),
  includePerformanceTests: z.boolean().default(true),
  includeIntegrationTests: z.boolean().default(true),
  workerFilters: z.array(z.string().trim().min(1).max(64)).max(200).nullish(),
  debugMode: z.boolean().default(false),
});
export type InitiateInput = z.input<typeof initiateInput>;
export type RunOptions = z.output<typeof initiateInput>;

/** Who a run dispatches to, snapshotted when it starts so registry edits don't change it. */
export interface DispatchTarget {
  workerCheckUuid: string;
  workerName: string;
  binding: string | null;
  url: string | null;
}

export interface RunStartParams {
  healthCheckUuid: string;
  timeoutAt: number;
  timeoutMinutes: number;
  callbackUrl: string;
  options: Pick<RunOptions, 'includeUnitTests' | 'includePerformanceTests' | 'includeIntegrationTests' | 'debugMode'>;
  targets: DispatchTarget[];
}

export interface RunStarter {
  start(params: RunStartParams): Promise<void>;
}

/**
 * Starts a health check: validates the input, picks the workers, writes the run and one pending
 * row per worker in one D1 batch, then hands the run to its Durable Object and says STARTED.
 */
export async function initiateHealthCheck(
  deps: OperationDeps,
  input: InitiateInput,
) {
  const options = parseInput(initiateInput, input);
  const selected: WorkerRow[] = await selectWorkers(deps.db, options.workerFilters);
  if (selected.length === 0) {
    throw badInput('There is no enabled worker to check: register one with registerWorker (or enable one with updateWorker).');
  }

  // Worked out before anything is written: a misconfigured PUBLIC_URL must not leave a run behind.
  const callbackUrl = callbackUrlFor(deps.env);
  const healthCheckUuid = crypto.randomUUID();
  const startedAt = new Date();
  const timeoutAt = new Date(startedAt.getTime() + options.timeoutMinutes * 60_000);
  const targets: DispatchTarget[] = selected.map((worker) => ({
    workerCheckUuid: crypto.randomUUID(),
    workerName: worker.name,
    binding: worker.binding,
    url: worker.url,
  }));
  const rows = selected.map((worker, index) => ({
    workerCheckUuid: targets[index]!.workerCheckUuid,
    healthCheckUuid,
    workerName: worker.name,
    workerType: worker.type,
    status: 'pending' as const,
  }));
  await deps.db.batch([
    deps.db.insert(healthChecks).values({
      healthCheckUuid,
      triggerType: options.triggerType,
      triggerSource: options.triggerSource ?? (options.triggerType === 'cron' ? 'system' : null),
      status: 'running',
      totalWorkers: selected.length,
      startedAt,
      timeoutAt,
    }),
    ...insertsWithinLimit(deps.db, workerHealthChecks, rows),
  ]);

  // The run object publishes STARTED itself before its first dispatch, so it precedes every
  // WORKER_RESULT; it is started straight after the write, leaving no window without it.
  try {
    await deps.runs.startRun(healthCheckUuid).start({
      healthCheckUuid,
      timeoutAt: timeoutAt.getTime(),
      timeoutMinutes: options.timeoutMinutes,
      callbackUrl,
      options: {
        includeUnitTests: options.includeUnitTests,
        includePerformanceTests: options.includePerformanceTests,
        includeIntegrationTests: options.includeIntegrationTests,
        debugMode: options.debugMode,
      },
      targets,
    });
  } catch (error) {
    // Without its object nothing would ever dispatch or time the run out: end it now.
    await failRunThatCouldNotStart(deps, healthCheckUuid);
    throw error;
  }
  if (options.debugMode) {
    console.log(JSON.stringify({ event: 'health_check.initiated', healthCheckUuid, workers: targets.map((t) => t.workerName), options }));
  }
  return {
    healthCheckUuid,
    status: 'running' as const,
    totalWorkers: selected.length,
    message: `Health check started for ${selected.length} worker${selected.length === 1 ? '' : 's'}: ${selected.map((w) => w.name).join(', ')}.`,
  };
}

/** Where workers send results: this orchestrator's /graphql under PUBLIC_URL. */
function callbackUrlFor(env: Env): string {
  try {
    return new URL('/graphql', env.PUBLIC_URL).toString();
  } catch {
    throw new Error(`PUBLIC_URL (${JSON.stringify(env.PUBLIC_URL)}) is not an absolute URL: set it in wrangler.toml [vars].`);
  }
}
