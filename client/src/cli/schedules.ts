import {
  CreateScheduleDocument,
  DeleteScheduleDocument,
  SchedulesDocument,
  UpdateScheduleDocument,
  type ScheduleFieldsFragment,
  type UpdateScheduleInput,
} from '../../generated/graphql.js';
import type { Context } from './context.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { table, time } from './format.js';

function suitesOf(s: Pick<ScheduleFieldsFragment, 'includeUnitTests' | 'includePerformanceTests' | 'includeIntegrationTests'>): string {
  const kinds = [s.includeUnitTests && 'unit', s.includePerformanceTests && 'perf', s.includeIntegrationTests && 'integration'].filter(Boolean);
  return kinds.length > 0 ? kinds.join(',') : '-';
}

function describe(s: ScheduleFieldsFragment): string {
  return `${s.name} "${s.cronExpression}" (${s.timeZone}) ${s.enabled ? `next ${time(s.nextRunAt)} UTC` : 'disabled'}`;
}

export async function listSchedules(ctx: Context): Promise<ExitCode> {
  const { schedules } = await ctx.client().request(SchedulesDocument);
  if (ctx.json) ctx.printJson(schedules);
  else if (schedules.length === 0) ctx.out('no schedules (worker-health schedules create <name> --cron "0 2 * * *")');
  else {
    const c = ctx.color;
    ctx.out(
      table(
        c,
        ['NAME', 'CRON', 'ZONE', 'ENABLED', 'NEXT RUN (UTC)', 'LAST RUN (UTC)', 'TIMEOUT', 'WORKERS', 'SUITES'],
        schedules.map((s) => [
          s.name,
          s.cronExpression,
          s.timeZone,
          s.enabled ? c.green('yes') : c.yellow('no'),
          time(s.nextRunAt),
          time(s.lastRunAt),
          `${s.timeoutMinutes} min`,
          s.workerFilters.length > 0 ? s.workerFilters.join(',') : 'all',
          suitesOf(s),
        ]),
      ),
    );
  }
  return EXIT.OK;
}

export interface CreateScheduleOptions {
  cron: string;
  timeZone?: string;
  timeout?: number;
  workers?: string[];
  unit: boolean;
  performance: boolean;
  integration: boolean;
  enabled: boolean;
}

export async function createSchedule(ctx: Context, name: string, options: CreateScheduleOptions): Promise<ExitCode> {
  const { createSchedule: schedule } = await ctx.client().request(CreateScheduleDocument, {
    input: {
      name,
      cronExpression: options.cron,
      ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
      enabled: options.enabled,
      includeUnitTests: options.unit,
      includePerformanceTests: options.performance,
      includeIntegrationTests: options.integration,
      ...(options.timeout === undefined ? {} : { timeoutMinutes: options.timeout }),
      ...(options.workers === undefined ? {} : { workerFilters: options.workers }),
    },
  });
  if (ctx.json) ctx.printJson(schedule);
  else ctx.out(`created schedule ${describe(schedule)}`);
  return EXIT.OK;
}

export interface UpdateScheduleOptions {
  cron?: string;
  timeZone?: string;
  timeout?: number;
  workers?: string[];
  allWorkers?: boolean;
  unit?: boolean;
  performance?: boolean;
  integration?: boolean;
  enable?: boolean;
  disable?: boolean;
}

export async function updateSchedule(ctx: Context, name: string, options: UpdateScheduleOptions): Promise<ExitCode> {
  if (options.enable && options.disable) throw new CliError(EXIT.USAGE, 'give --enable or --disable, not both');
  if (options.workers && options.allWorkers) throw new CliError(EXIT.USAGE, 'give --workers or --all-workers, not both');
  const input: UpdateScheduleInput = {
    ...(options.cron === undefined ? {} : { cronExpression: options.cron }),
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
    ...(options.timeout === undefined ? {} : { timeoutMinutes: options.timeout }),
    ...(options.workers === undefined ? {} : { workerFilters: options.workers }),
    ...(options.allWorkers ? { workerFilters: [] } : {}),
    ...(options.unit === undefined ? {} : { includeUnitTests: options.unit }),
    ...(options.performance === undefined ? {} : { includePerformanceTests: options.performance }),
    ...(options.integration === undefined ? {} : { includeIntegrationTests: options.integration }),
    ...(options.enable ? { enabled: true } : options.disable ? { enabled: false } : {}),
  };
  if (Object.keys(input).length === 0) throw new CliError(EXIT.USAGE, 'nothing to change: see worker-health schedules update --help');
  return update(ctx, name, input, 'updated');
}

export function setScheduleEnabled(ctx: Context, name: string, enabled: boolean): Promise<ExitCode> {
  return update(ctx, name, { enabled }, enabled ? 'enabled' : 'disabled');
}

async function update(ctx: Context, name: string, input: UpdateScheduleInput, verb: string): Promise<ExitCode> {
  const { updateSchedule: schedule } = await ctx.client().request(UpdateScheduleDocument, { name, input });
  if (ctx.json) ctx.printJson(schedule);
  else ctx.out(`${verb} schedule ${describe(schedule)}`);
  return EXIT.OK;
}

export async function deleteSchedule(ctx: Context, name: string): Promise<ExitCode> {
  const { deleteSchedule: deleted } = await ctx.client().request(DeleteScheduleDocument, { name });
  if (ctx.json) ctx.printJson({ name, deleted });
  else ctx.out(`deleted schedule ${name}`);
  return EXIT.OK;
}
