import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../index';
import { firesWithin } from '../../operations/schedules';
import { countRows, seedRun } from '../helpers/fixtures';
import { codes, gql, keyFor } from '../helpers/graphql';
import { registerFleet, waitForRun } from '../runs/helpers';

const CREATE = `mutation ($input: CreateScheduleInput!) {
  createSchedule(input: $input) { name cronExpression enabled timeoutMinutes includeUnitTests includePerformanceTests includeIntegrationTests workerFilters nextRunAt }
}`;

/** One cron trigger, as Cloudflare delivers it to the orchestrator's scheduled handler. */
async function tick(at: string) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(at), cron: '* * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function cronRuns() {
  const { results } = await env.DB.prepare("SELECT health_check_uuid AS uuid, trigger_source AS source FROM health_checks WHERE trigger_type = 'cron' ORDER BY id")
    .all<{ uuid: string; source: string }>();
  return results;
}

describe('schedules', () => {
  it('are created, listed with their next run, updated and deleted by an admin', async () => {
    const created = await gql(CREATE, { input: { name: 'nightly', cronExpression: '0 2 * * *', timeoutMinutes: 45, workerFilters: ['agent-factory'] } });
    expect(created.errors).toBeUndefined();
    expect(created.data!.createSchedule).toMatchObject({
      name: 'nightly',
      enabled: true,
      timeoutMinutes: 45,
      includeUnitTests: true,
      workerFilters: ['agent-factory'],
      nextRunAt: expect.stringMatching(/T02:00:00\.000Z$/),
    });

    const updated = await gql('mutation { updateSchedule(name: "nightly", input: { enabled: false, includePerformanceTests: false }) { enabled includePerformanceTests cronExpression nextRunAt } }');
    expect(updated.data!.updateSchedule).toEqual({ enabled: false, includePerformanceTests: false, cronExpression: '0 2 * * *', nextRunAt: null });
    expect((await gql('{ schedules { name } }')).data!.schedules).toEqual([{ name: 'nightly' }]);

    expect((await gql('mutation { deleteSchedule(name: "nightly") }')).data).toEqual({ deleteSchedule: true });
    expect(await countRows('health_check_schedules')).toBe(0);
  });

  it.each([
    ['a cron expression that is not one', { name: 'x', cronExpression: 'every day at 2' }, /cronExpression/],
    ['too few fields', { name: 'x', cronExpression: '0 2 *' }, /cronExpression/],
    ['a timeout out of range', { name: 'x', cronExpression: '0 2 * * *', timeoutMinutes: 0 }, /timeoutMinutes/],
    ['a bad name', { name: 'has spaces', cronExpression: '0 2 * * *' }, /name/],
  ])('refuse %s with BAD_USER_INPUT, writing nothing', async (_label, input, message) => {
    const response = await gql(CREATE, { input });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(message);
    expect(await countRows('health_check_schedules')).toBe(0);
  });

  it('refuse duplicates, unknown names and non-admins', async () => {
    await gql(CREATE, { input: { name: 'nightly', cronExpression: '0 2 * * *' } });
    expect(codes(await gql(CREATE, { input: { name: 'nightly', cronExpression: '0 3 * * *' } }))).toEqual(['CONFLICT']);
    expect(codes(await gql('mutation { updateSchedule(name: "nope", input: { enabled: true }) { name } }'))).toEqual(['NOT_FOUND']);
    expect(codes(await gql('mutation { deleteSchedule(name: "nope") }'))).toEqual(['NOT_FOUND']);
    const operator = await keyFor('operator');
    expect(codes(await gql('mutation { deleteSchedule(name: "nightly") }', {}, { key: operator }))).toEqual(['FORBIDDEN']);
    expect(await countRows('health_check_schedules')).toBe(1);
  });

  it('tell which minute they fire in, five fields or the seed\'s six (seconds first), in UTC', () => {
    expect(firesWithin('0 2 * * *', new Date('2026-11-30T02:00:00Z'))).toBe(true);
    expect(firesWithin('0 2 * * *', new Date('2026-11-30T02:01:00Z'))).toBe(false);
    // The seed's business-hours example: every 4 minutes, 9 to 17, Monday to Friday.
    expect(firesWithin('0 */4 9-17 * * 1-5', new Date('2026-11-30T09:04:00Z'))).toBe(true); // a Monday
    expect(firesWithin('0 */4 9-17 * * 1-5', new Date('2026-11-30T09:05:00Z'))).toBe(false);
    expect(firesWithin('0 */4 9-17 * * 1-5', new Date('2026-11-29T09:04:00Z'))).toBe(false); // a Sunday
  });
});

describe('the cron tick', () => {
  it('starts each due schedule\'s run once, with its options, and nothing else', async () => {
    await registerFleet();
    await gql(CREATE, { input: { name: 'nightly', cronExpression: '0 2 * * *', workerFilters: ['agent-factory'], includePerformanceTests: false } });
    await gql(CREATE, { input: { name: 'weekly', cronExpression: '0 1 * * 0' } });
    await gql(CREATE, { input: { name: 'paused', cronExpression: '0 2 * * *', enabled: false } });

    await tick('2026-11-30T02:00:00Z');
    await tick('2026-11-30T02:00:30Z'); // the same minute delivered twice
    await tick('2026-11-30T02:01:00Z');

    const runs = await cronRuns();
    expect(runs.map((run) => run.source)).toEqual(['schedule:nightly']);
    const run = await waitForRun(runs[0]!.uuid);
    expect(run.status).toBe('COMPLETED');
    expect(run.workerResults.map((w: any) => w.workerName)).toEqual(['agent-factory']);
    expect(run.workerResults[0].performanceTests.total).toBe(0);
    const trigger = await gql('query ($uuid: ID!) { healthCheck(uuid: $uuid) { triggerType triggerSource } }', { uuid: runs[0]!.uuid });
    expect(trigger.data!.healthCheck).toEqual({ triggerType: 'CRON', triggerSource: 'schedule:nightly' });
  });

  it('ends a run stranded past its deadline (its object never started) as TIMEOUT', async () => {
    const uuid = await seedRun(
      { status: 'running', totalWorkers: 2, timeoutAt: new Date('2026-11-30T01:00:00Z') },
      [{ workerName: 'a', status: 'completed', healthScore: 1 }, { workerName: 'b', status: 'pending' }],
    );
    await tick('2026-11-30T01:10:00Z');
    const run = (await gql('query ($uuid: ID!) { healthCheck(uuid: $uuid) { status completedWorkers passedWorkers failedWorkers workerResults { workerName status } } }', { uuid })).data!.healthCheck;
    expect(run).toMatchObject({ status: 'TIMEOUT', completedWorkers: 2, passedWorkers: 1, failedWorkers: 1 });
    expect(run.workerResults).toEqual([{ workerName: 'a', status: 'COMPLETED' }, { workerName: 'b', status: 'TIMEOUT' }]);
  });

  it('leaves a run alone before its deadline has passed by the grace period', async () => {
    const uuid = await seedRun({ status: 'running', timeoutAt: new Date('2026-11-30T01:00:00Z') }, [{ status: 'running' }]);
    await tick('2026-11-30T01:02:00Z');
    expect((await gql('query ($uuid: ID!) { healthCheck(uuid: $uuid) { status } }', { uuid })).data!.healthCheck.status).toBe('RUNNING');
  });

  it('prunes webhook-ids too old to be replayed, and keeps recent ones', async () => {
    await env.DB.batch([
      env.DB.prepare("INSERT INTO webhook_deliveries (webhook_id, worker_check_uuid, received_at) VALUES ('old', 'x', '2026-11-30 00:00:00')"),
      env.DB.prepare("INSERT INTO webhook_deliveries (webhook_id, worker_check_uuid, received_at) VALUES ('recent', 'x', '2026-11-30 01:55:00')"),
    ]);
    await tick('2026-11-30T02:00:00Z');
    const { results } = await env.DB.prepare('SELECT webhook_id FROM webhook_deliveries').all<{ webhook_id: string }>();
    expect(results.map((row) => row.webhook_id)).toEqual(['recent']);
  });
});
