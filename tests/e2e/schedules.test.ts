/**
 * Schedules on the real stack: the seed's defaults are there after `npm start`'s migrations, and a
 * cron tick fired by hand (`wrangler dev --test-scheduled` exposes GET /__scheduled, see
 * scripts/stack.ts) starts a CRON run of a due schedule, with its options and its name as the
 * source, that completes.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';

const baseUrl = inject('baseUrl');
const adminKey = inject('adminKey');

interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function data<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>;
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data as T;
}

/** One cron tick, as `curl "localhost:8787/__scheduled?cron=*+*+*+*+*"` fires it. */
async function fireTick() {
  const response = await fetch(`${baseUrl}/__scheduled?cron=*+*+*+*+*`);
  expect(response.status, await response.clone().text()).toBe(200);
}

// Unique per run of the suite, and removed afterwards, so no other file's tick would start it.
const NAME = `e2e-every-minute-${Date.now()}`;

interface ScheduleRuns {
  schedules: {
    name: string;
    lastRunAt: string | null;
    runs: { totalCount: number; edges: { node: { uuid: string; triggerType: string; triggerSource: string; status: string } }[] };
  }[];
}
const RUNS = '{ schedules { name lastRunAt runs(first: 5) { totalCount edges { node { uuid triggerType triggerSource status } } } } }';
const ours = async () => (await data<ScheduleRuns>(RUNS)).schedules.find((schedule) => schedule.name === NAME)!;

interface Run {
  status: string;
  triggerType: string;
  triggerSource: string;
  startedAt: string;
  timeoutAt: string;
  schedule: { name: string } | null;
  workerResults: { workerName: string; status: string; unitTests: { total: number }; performanceTests: { total: number }; integrationTests: { total: number } }[];
}
const RUN = `query Run($uuid: ID!) { healthCheck(uuid: $uuid) {
  status triggerType triggerSource startedAt timeoutAt schedule { name }
  workerResults { workerName status unitTests { total } performanceTests { total } integrationTests { total } }
} }`;

afterAll(async () => {
  await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ query: 'mutation ($name: String!) { deleteSchedule(name: $name) }', variables: { name: NAME } }),
  });
});

describe('schedules on the stack npm start runs', () => {
  it('include the seed\'s two defaults, with their next run times', async () => {
    const { schedules } = await data<{ schedules: { name: string; cronExpression: string; timeZone: string; timeoutMinutes: number; enabled: boolean; nextRunAt: string }[] }>(
      '{ schedules { name cronExpression timeZone timeoutMinutes enabled nextRunAt } }',
    );
    const byName = Object.fromEntries(schedules.map((schedule) => [schedule.name, schedule]));
    expect(byName['daily_health_check']).toMatchObject({ cronExpression: '0 2 * * *', timeZone: 'UTC', timeoutMinutes: 45, enabled: true });
    expect(byName['weekly_comprehensive']).toMatchObject({ cronExpression: '0 1 * * 0', timeZone: 'UTC', timeoutMinutes: 90, enabled: true });
    expect(byName['daily_health_check']!.nextRunAt).toMatch(/T02:00:00\.000Z$/);
    expect(new Date(byName['weekly_comprehensive']!.nextRunAt).getUTCDay()).toBe(0);
  });

  it('a tick from /__scheduled starts a CRON run of a due schedule, with its options and name, that completes', async () => {
    await data('mutation ($input: CreateScheduleInput!) { createSchedule(input: $input) { name } }', {
      input: {
        name: NAME,
        cronExpression: '* * * * *',
        timeZone: 'Europe/Berlin',
        timeoutMinutes: 5,
        workerFilters: ['agent-factory', 'data-factory'],
        includePerformanceTests: false,
      },
    });

    const minute = Math.floor(Date.now() / 60_000);
    await fireTick();
    await fireTick(); // delivered twice
    const sameMinute = Math.floor(Date.now() / 60_000) === minute;

    const schedule = await ours();
    // Both ticks in one minute start one run; a second falling into the next minute is due again.
    if (sameMinute) expect(schedule.runs.totalCount).toBe(1);
    expect(schedule.runs.totalCount).toBeGreaterThanOrEqual(1);
    const started = schedule.runs.edges.at(-1)!.node;
    expect(started).toMatchObject({ triggerType: 'CRON', triggerSource: `schedule:${NAME}` });

    const deadline = Date.now() + 60_000;
    let run: Run;
    for (;;) {
      ({ healthCheck: run } = await data<{ healthCheck: Run }>(RUN, { uuid: started.uuid }));
      if (run.status !== 'RUNNING') break;
      if (Date.now() > deadline) throw new Error(`the scheduled run is still RUNNING: ${JSON.stringify(run)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    expect(run.status).toBe('COMPLETED');
    expect(run.triggerSource).toBe(`schedule:${NAME}`);
    expect(run.schedule).toEqual({ name: NAME });
    expect(new Date(run.timeoutAt).getTime() - new Date(run.startedAt).getTime()).toBe(5 * 60_000);
    expect(run.workerResults.map((worker) => worker.workerName).sort()).toEqual(['agent-factory', 'data-factory']);
    for (const worker of run.workerResults) {
      expect(worker.status).toBe('COMPLETED');
      expect(worker.performanceTests.total).toBe(0);
      expect(worker.unitTests.total).toBeGreaterThan(0);
      expect(worker.integrationTests.total).toBeGreaterThan(0);
    }
    expect((await ours()).lastRunAt).not.toBeNull();
  });
});
