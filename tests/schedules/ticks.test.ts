import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createOperationDeps } from '../../durable/operation-deps';
import worker from '../../index';
import { runCronTick } from '../../operations/cron';
import { gql } from '../helpers/graphql';
import { FLEET, register, registerFleet, waitForRun } from '../runs/helpers';
import { createSchedule, cronRuns, setChangedAt, slots, tick } from './helpers';

/** The due times (ISO) of the runs a schedule started, in order. */
const startedDueTimes = async (schedule: string) => (await slots(schedule)).filter((slot) => slot.status === 'started').map((slot) => slot.dueAt);

/** Only agent-factory, so the many runs these tests start stay light. */
const ONE_WORKER = { workerFilters: ['agent-factory'] };

describe('the cron tick', () => {
  it('starts each due schedule\'s run once, with its options and its name as the source, and nothing else', async () => {
    await registerFleet();
    await createSchedule({ name: 'nightly', cronExpression: '0 2 * * *', workerFilters: ['agent-factory'], includePerformanceTests: false, timeoutMinutes: 7 });
    await createSchedule({ name: 'weekly', cronExpression: '0 1 * * 0' });

    await tick('2026-11-30T01:59:00Z'); // not due yet
    await tick('2026-11-30T02:00:00Z');
    await tick('2026-11-30T02:00:30Z'); // the same minute delivered twice
    await tick('2026-11-30T02:01:00Z'); // past it

    const runs = await cronRuns();
    expect(runs.map((run) => run.source)).toEqual(['schedule:nightly']);
    expect(await slots()).toEqual([
      { schedule: 'nightly', dueAt: '2026-11-30T02:00:00.000Z', status: 'started', catchUp: false, healthCheckUuid: runs[0]!.uuid, error: null },
    ]);
    const run = await waitForRun(runs[0]!.uuid);
    expect(run.status).toBe('COMPLETED');
    expect(run.workerResults.map((w: any) => w.workerName)).toEqual(['agent-factory']);
    expect(run.workerResults[0].performanceTests.total).toBe(0);
    expect(run.workerResults[0].unitTests.total).toBeGreaterThan(0);
    const trigger = await gql('query ($uuid: ID!) { healthCheck(uuid: $uuid) { triggerType triggerSource startedAt timeoutAt schedule { name } } }', { uuid: runs[0]!.uuid });
    const { startedAt, timeoutAt, ...rest } = trigger.data!.healthCheck;
    expect(rest).toEqual({ triggerType: 'CRON', triggerSource: 'schedule:nightly', schedule: { name: 'nightly' } });
    expect(new Date(timeoutAt).getTime() - new Date(startedAt).getTime()).toBe(7 * 60_000);
    const listed = await gql('{ schedules { name lastRunAt } }');
    expect(listed.data!.schedules).toEqual([{ name: 'nightly', lastRunAt: startedAt }, { name: 'weekly', lastRunAt: null }]);
  });

  it('does not start a disabled schedule, and starts it again once enabled', async () => {
    await registerFleet();
    await createSchedule({ name: 'paused', cronExpression: '0 2 * * *', enabled: false, ...ONE_WORKER });
    await tick('2026-11-28T02:00:00Z');
    expect(await cronRuns()).toEqual([]);
    expect(await slots()).toEqual([]);
    await gql('mutation { updateSchedule(name: "paused", input: { enabled: true }) { enabled } }');
    await tick('2026-11-29T02:00:00Z');
    expect(await startedDueTimes('paused')).toEqual(['2026-11-29T02:00:00.000Z']);
  });

  it('runs the seed\'s six-field example (seconds first) every 4 minutes, 09:00 to 17:56, Monday to Friday', async () => {
    await registerFleet();
    // The seed's "business_hours_check", with its options.
    await createSchedule({
      name: 'business_hours_check',
      cronExpression: '0 */4 9-17 * * 1-5',
      enabled: true,
      timeoutMinutes: 20,
      includeUnitTests: true,
      includePerformanceTests: false,
      includeIntegrationTests: true,
      workerFilters: ['agent-factory', 'ui-factory'],
    });
    // 2026-11-30 is a Monday, 2026-11-28 a Saturday.
    for (const at of [
      '2026-11-30T08:56:00Z', // before 9
      '2026-11-30T09:00:00Z',
      '2026-11-30T09:03:00Z',
      '2026-11-30T09:04:00Z',
      '2026-11-30T09:05:00Z',
      '2026-11-30T17:56:00Z',
      '2026-11-30T18:00:00Z', // after 17:59
      '2026-11-28T09:04:00Z', // Saturday
    ]) {
      await tick(at);
    }
    expect(await startedDueTimes('business_hours_check')).toEqual(['2026-11-30T09:00:00.000Z', '2026-11-30T09:04:00.000Z', '2026-11-30T17:56:00.000Z']);
    const runs = await cronRuns();
    const run = await waitForRun(runs[0]!.uuid);
    expect(run.workerResults.map((w: any) => w.workerName).sort()).toEqual(['agent-factory', 'ui-factory']);
    expect(run.workerResults.every((w: any) => w.performanceTests.total === 0 && w.integrationTests.total > 0)).toBe(true);
  });

  it('fires a seconds field in the tick of the minute that holds the due second, once however many it holds', async () => {
    await registerFleet();
    await createSchedule({ name: 'half-past', cronExpression: '30 0 2 * * *', ...ONE_WORKER });
    await createSchedule({ name: 'every-10s', cronExpression: '*/10 0 3 * * *', ...ONE_WORKER });
    for (const at of ['2026-11-30T02:00:00Z', '2026-11-30T02:01:00Z', '2026-11-30T03:00:00Z', '2026-11-30T03:00:50Z', '2026-11-30T03:01:00Z']) await tick(at);
    expect(await startedDueTimes('half-past')).toEqual(['2026-11-30T02:00:30.000Z']);
    expect(await startedDueTimes('every-10s')).toEqual(['2026-11-30T03:00:00.000Z']);
  });
});

describe('time zones across daylight saving (Europe/Berlin)', () => {
  it('runs a time in the skipped hour once, at the first instant after the gap', async () => {
    await registerFleet();
    // 2026-03-29: clocks go from 02:00 CET (01:00 UTC) straight to 03:00 CEST.
    await createSchedule({ name: 'half-two', cronExpression: '30 2 * * *', timeZone: 'Europe/Berlin', ...ONE_WORKER });
    await createSchedule({ name: 'quarters-of-two', cronExpression: '*/15 2 * * *', timeZone: 'Europe/Berlin', ...ONE_WORKER });
    for (const at of [
      '2026-03-28T01:30:00Z', // Saturday 02:30 CET
      '2026-03-29T00:30:00Z', // 01:30 CET
      '2026-03-29T00:45:00Z', // 01:45 CET
      '2026-03-29T01:00:00Z', // 03:00 CEST, the first instant after the gap
      '2026-03-29T01:15:00Z', // 03:15 CEST
      '2026-03-29T01:30:00Z', // 03:30 CEST: where 02:30 would land if moved by the gap's length
      '2026-03-29T01:45:00Z',
      '2026-03-30T00:30:00Z', // Monday 02:30 CEST
    ]) {
      await tick(at);
    }
    expect(await startedDueTimes('half-two')).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    // All four quarters of the skipped hour: one run, at 03:00 CEST.
    expect(await startedDueTimes('quarters-of-two')).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  it('runs a time in the repeated hour once, at its first occurrence', async () => {
    await registerFleet();
    // 2026-10-25: clocks go back from 03:00 CEST (01:00 UTC) to 02:00 CET, so 02:00–02:59 happens twice.
    await createSchedule({ name: 'half-two', cronExpression: '30 2 * * *', timeZone: 'Europe/Berlin', ...ONE_WORKER });
    await createSchedule({ name: 'half-hours', cronExpression: '*/30 * * * *', timeZone: 'Europe/Berlin', ...ONE_WORKER });
    for (const at of [
      '2026-10-24T23:30:00Z', // 01:30 CEST
      '2026-10-25T00:00:00Z', // 02:00 CEST
      '2026-10-25T00:30:00Z', // 02:30 CEST, the first 02:30
      '2026-10-25T01:00:00Z', // 02:00 CET, again
      '2026-10-25T01:30:00Z', // 02:30 CET, again
      '2026-10-25T02:00:00Z', // 03:00 CET
      '2026-10-26T01:30:00Z', // Monday 02:30 CET
    ]) {
      await tick(at);
    }
    expect(await startedDueTimes('half-two')).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    expect(await startedDueTimes('half-hours')).toEqual([
      '2026-10-24T23:30:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    const next = await gql('{ schedules { name nextRunAt } }');
    for (const schedule of next.data!.schedules) expect(new Date(schedule.nextRunAt).getTime()).toBeGreaterThan(Date.now());
  });
});

describe('exactly one run per due time', () => {
  /** One trigger through the real scheduled handler, without waiting for the others. */
  function concurrentTicks(times: string[]) {
    return Promise.all(
      times.map(async (at) => {
        const ctx = createExecutionContext();
        await worker.scheduled(createScheduledController({ scheduledTime: new Date(at), cron: '* * * * *' }), env, ctx);
        await waitOnExecutionContext(ctx);
      }),
    );
  }

  it.each([
    ['two', ['2026-11-30T02:00:00Z', '2026-11-30T02:00:00Z']],
    ['five', ['2026-11-30T02:00:00Z', '2026-11-30T02:00:00Z', '2026-11-30T02:00:05Z', '2026-11-30T02:00:30Z', '2026-11-30T02:00:59Z']],
  ])('%s concurrent ticks of the same minute start one run', async (_count, times) => {
    await registerFleet();
    await createSchedule({ name: 'nightly', cronExpression: '0 2 * * *', ...ONE_WORKER });
    await createSchedule({ name: 'minutely', cronExpression: '* * * * *', ...ONE_WORKER });
    await concurrentTicks(times);
    const runs = await cronRuns();
    expect(runs.map((run) => run.source).sort()).toEqual(['schedule:minutely', 'schedule:nightly']);
    expect((await slots()).map(({ schedule, dueAt, status }) => ({ schedule, dueAt, status }))).toEqual([
      { schedule: 'minutely', dueAt: '2026-11-30T02:00:00.000Z', status: 'started' },
      { schedule: 'nightly', dueAt: '2026-11-30T02:00:00.000Z', status: 'started' },
    ]);
    const { results } = await env.DB.prepare("SELECT count(*) AS n FROM worker_health_checks").all<{ n: number }>();
    expect(results[0]!.n).toBe(2); // one worker row per run, no half-started duplicates
  });

  it('the key is in D1: a second claim of a due time is refused by the database itself', async () => {
    const insert = "INSERT INTO schedule_runs (schedule_id, schedule_name, due_at, status) VALUES (1, 'x', '2026-11-30 02:00:00.000', 'starting')";
    await env.DB.prepare(insert).run();
    await expect(env.DB.prepare(insert).run()).rejects.toThrow(/UNIQUE constraint failed: schedule_runs.schedule_id, schedule_runs.due_at/);
  });

  it('gives a due time back when its start wrote nothing (a configuration error), so a later tick starts it', async () => {
    await registerFleet();
    await createSchedule({ name: 'hourly', cronExpression: '0 * * * *', ...ONE_WORKER });
    await setChangedAt('hourly', '2026-11-29T00:00:00Z');
    const ctx = createExecutionContext();
    const notAUrl: string = 'not a url';
    const broken = { ...env, PUBLIC_URL: notAUrl } as Env; // development: the tick still runs
    await worker.scheduled(createScheduledController({ scheduledTime: new Date('2026-11-30T03:00:00Z'), cron: '* * * * *' }), broken, ctx);
    await waitOnExecutionContext(ctx);
    expect(await cronRuns()).toEqual([]);
    expect(await slots()).toEqual([]);
    await tick('2026-11-30T03:01:00Z'); // fixed a minute later: caught up, once
    await tick('2026-11-30T03:02:00Z');
    expect((await slots()).map(({ dueAt, status, catchUp }) => ({ dueAt, status, catchUp }))).toEqual([
      { dueAt: '2026-11-30T03:00:00.000Z', status: 'started', catchUp: true },
    ]);
    expect(await cronRuns()).toHaveLength(1);
  });

  it('keeps the run a start wrote before failing (its Durable Object would not start) as the due time\'s one run', async () => {
    await registerFleet();
    await createSchedule({ name: 'hourly', cronExpression: '0 * * * *', ...ONE_WORKER });
    await setChangedAt('hourly', '2026-11-29T00:00:00Z');
    const real = createOperationDeps(env, () => {});
    const deps = { ...real, runs: { ...real.runs, startRun: () => ({ start: () => Promise.reject(new Error('object unavailable')) }) } };
    await runCronTick(deps, new Date('2026-11-30T03:00:00Z'));
    await tick('2026-11-30T03:01:00Z');
    const runs = await cronRuns();
    expect(runs).toHaveLength(1);
    expect(await slots()).toMatchObject([{ dueAt: '2026-11-30T03:00:00.000Z', status: 'started', healthCheckUuid: runs[0]!.uuid }]);
    const run = await gql('query ($uuid: ID!) { healthCheck(uuid: $uuid) { status schedule { name } } }', { uuid: runs[0]!.uuid });
    expect(run.data!.healthCheck).toEqual({ status: 'FAILED', schedule: { name: 'hourly' } });
  });

  it('starts a due time whose tick died between its claim and its run, once, when the claim is abandoned', async () => {
    await registerFleet();
    await createSchedule({ name: 'hourly', cronExpression: '0 * * * *', ...ONE_WORKER });
    await setChangedAt('hourly', '2026-11-29T00:00:00Z');
    // What a tick leaves when it dies after claiming 03:00: a claim still `starting`, no run.
    const claimedAt = new Date(Date.now() - 6 * 60_000).toISOString().replace('T', ' ').slice(0, 19);
    await env.DB.prepare("INSERT INTO schedule_runs (schedule_id, schedule_name, due_at, status, created_at) SELECT id, name, '2026-11-30 03:00:00', 'starting', ?1 FROM health_check_schedules WHERE name = 'hourly'")
      .bind(claimedAt)
      .run();
    await tick('2026-11-30T03:05:00Z');
    await tick('2026-11-30T03:06:00Z');
    const runs = await cronRuns();
    expect(runs).toHaveLength(1);
    expect(await slots()).toMatchObject([{ dueAt: '2026-11-30T03:00:00.000Z', status: 'started', catchUp: true, healthCheckUuid: runs[0]!.uuid }]);
  });

  it('links an abandoned claim to the run its tick did write, and starts no second one', async () => {
    await registerFleet();
    await createSchedule({ name: 'hourly', cronExpression: '0 * * * *', ...ONE_WORKER });
    await setChangedAt('hourly', '2026-11-29T00:00:00Z');
    await tick('2026-11-30T03:00:00Z');
    const [run] = await cronRuns();
    // As if that tick had died after writing its run and before settling its claim.
    await env.DB.prepare("UPDATE schedule_runs SET status = 'starting', health_check_uuid = NULL, created_at = datetime('now', '-6 minutes')").run();
    await env.DB.prepare("UPDATE health_checks SET started_at = datetime('now', '-6 minutes')").run();
    await tick('2026-11-30T03:05:00Z');
    expect(await cronRuns()).toEqual([run]);
    expect(await slots()).toMatchObject([{ dueAt: '2026-11-30T03:00:00.000Z', status: 'started', healthCheckUuid: run!.uuid }]);
  });

  it('leaves a claim that is still young alone: its tick may still be starting the run', async () => {
    await registerFleet();
    await createSchedule({ name: 'hourly', cronExpression: '0 * * * *', ...ONE_WORKER });
    await setChangedAt('hourly', '2026-11-29T00:00:00Z');
    await env.DB.prepare("INSERT INTO schedule_runs (schedule_id, schedule_name, due_at, status) SELECT id, name, '2026-11-30 03:00:00', 'starting' FROM health_check_schedules WHERE name = 'hourly'").run();
    await tick('2026-11-30T03:01:00Z');
    expect(await cronRuns()).toEqual([]);
    expect(await slots()).toMatchObject([{ status: 'starting' }]);
  });

  it('records a due time whose filters no longer match an enabled worker as not started, and does not retry it', async () => {
    await register(FLEET.filter((worker) => worker.name === 'agent-factory'));
    await createSchedule({ name: 'nightly', cronExpression: '0 2 * * *', ...ONE_WORKER });
    await gql('mutation { updateWorker(name: "agent-factory", input: { enabled: false }) { name } }');
    await tick('2026-11-30T02:00:00Z');
    await tick('2026-11-30T02:00:10Z');
    await tick('2026-11-30T02:01:00Z');
    expect(await cronRuns()).toEqual([]);
    const [slot, ...others] = await slots();
    expect(others).toEqual([]);
    expect(slot).toMatchObject({ dueAt: '2026-11-30T02:00:00.000Z', status: 'not_started', healthCheckUuid: null });
    expect(slot!.error).toMatch(/No enabled worker matches "agent-factory"/);
  });
});

describe('after downtime', () => {
  it('a schedule that missed several due times starts ONE catch-up run if the last is within 15 minutes', async () => {
    await registerFleet();
    await createSchedule({ name: 'hourly', cronExpression: '0 * * * *', ...ONE_WORKER });
    await setChangedAt('hourly', '2026-11-29T00:00:00Z');
    await tick('2026-11-30T00:00:00Z');
    // Down from 00:01 to 03:09: the 01:00, 02:00 and 03:00 ticks never came.
    await tick('2026-11-30T03:10:00Z');
    await tick('2026-11-30T03:11:00Z');
    await tick('2026-11-30T04:00:00Z');
    expect((await slots('hourly')).map(({ dueAt, status, catchUp }) => ({ dueAt, status, catchUp }))).toEqual([
      { dueAt: '2026-11-30T00:00:00.000Z', status: 'started', catchUp: false },
      { dueAt: '2026-11-30T03:00:00.000Z', status: 'started', catchUp: true }, // one run for the three misses
      { dueAt: '2026-11-30T04:00:00.000Z', status: 'started', catchUp: false },
    ]);
    expect(await cronRuns()).toHaveLength(3);
  });

  it('a last missed due time older than the grace window is recorded as missed, once, and not run', async () => {
    await registerFleet();
    await createSchedule({ name: 'hourly', cronExpression: '0 * * * *', ...ONE_WORKER });
    await setChangedAt('hourly', '2026-11-29T00:00:00Z');
    await tick('2026-11-30T00:00:00Z');
    await tick('2026-11-30T03:15:00Z'); // exactly 15 minutes after 03:00: still caught up
    await tick('2026-11-30T06:16:00Z'); // 16 minutes after 06:00: too late
    await tick('2026-11-30T06:17:00Z');
    await tick('2026-11-30T07:00:00Z');
    const recorded = await slots('hourly');
    expect(recorded.map(({ dueAt, status, catchUp }) => ({ dueAt, status, catchUp }))).toEqual([
      { dueAt: '2026-11-30T00:00:00.000Z', status: 'started', catchUp: false },
      { dueAt: '2026-11-30T03:00:00.000Z', status: 'started', catchUp: true },
      { dueAt: '2026-11-30T06:00:00.000Z', status: 'missed', catchUp: false },
      { dueAt: '2026-11-30T07:00:00.000Z', status: 'started', catchUp: false },
    ]);
    expect(recorded[2]!.error).toBe('Missed 3 due times, the last at 2026-11-30T06:00:00.000Z, more than 15 minutes before the next tick.');
    expect(await cronRuns()).toHaveLength(3);
  });

  it('a schedule due in the tick that ends the downtime runs once for it and the minutes it missed', async () => {
    await registerFleet();
    await createSchedule({ name: 'minutely', cronExpression: '* * * * *', ...ONE_WORKER });
    await setChangedAt('minutely', '2026-11-29T00:00:00Z');
    await tick('2026-11-30T02:00:00Z');
    await tick('2026-11-30T02:09:00Z'); // 02:01 to 02:08 missed
    expect(await startedDueTimes('minutely')).toEqual(['2026-11-30T02:00:00.000Z', '2026-11-30T02:09:00.000Z']);
  });

  it('due times from before a schedule was created or changed are never caught up', async () => {
    await registerFleet();
    await createSchedule({ name: 'hourly', cronExpression: '0 * * * *', ...ONE_WORKER });
    await setChangedAt('hourly', '2026-11-30T03:05:00Z'); // created after the 03:00 due time
    await tick('2026-11-30T03:10:00Z');
    expect(await slots()).toEqual([]);

    // Enabled again after a pause: the due time it was paused for is not run either.
    await setChangedAt('hourly', '2026-11-29T00:00:00Z');
    await gql('mutation { updateSchedule(name: "hourly", input: { enabled: false }) { name } }');
    await gql('mutation { updateSchedule(name: "hourly", input: { enabled: true }) { name } }');
    await tick('2026-11-30T03:11:00Z'); // updated_at is now (after these simulated instants)
    expect(await slots()).toEqual([]);
  });
});
