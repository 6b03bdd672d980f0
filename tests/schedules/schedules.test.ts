import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { countRows } from '../helpers/fixtures';
import { codes, gql, keyFor } from '../helpers/graphql';
import { initiate, registerFleet } from '../runs/helpers';
import { CREATE, createSchedule, tick } from './helpers';

const SCHEDULES = 'SELECT name, cron_expression, time_zone, enabled, timeout_minutes, worker_filters, updated_at FROM health_check_schedules ORDER BY name';
const storedSchedules = async () => (await env.DB.prepare(SCHEDULES).all()).results;

describe('schedules', () => {
  it('are created, listed with their zone and next run, updated and deleted by an admin', async () => {
    await registerFleet();
    const created = await createSchedule({ name: 'nightly', cronExpression: '0 2 * * *', timeoutMinutes: 45, workerFilters: ['agent-factory'] });
    expect(created).toMatchObject({
      name: 'nightly',
      timeZone: 'UTC',
      enabled: true,
      timeoutMinutes: 45,
      includeUnitTests: true,
      workerFilters: ['agent-factory'],
      nextRunAt: expect.stringMatching(/T02:00:00\.000Z$/),
      lastRunAt: null,
    });

    const updated = await gql('mutation { updateSchedule(name: "nightly", input: { enabled: false, includePerformanceTests: false }) { enabled includePerformanceTests cronExpression timeZone nextRunAt } }');
    expect(updated.data!.updateSchedule).toEqual({ enabled: false, includePerformanceTests: false, cronExpression: '0 2 * * *', timeZone: 'UTC', nextRunAt: null });
    expect((await gql('{ schedules { name } }')).data!.schedules).toEqual([{ name: 'nightly' }]);

    expect((await gql('mutation { deleteSchedule(name: "nightly") }')).data).toEqual({ deleteSchedule: true });
    expect(await countRows('health_check_schedules')).toBe(0);
  });

  it('read their expression in their time zone, spelled canonically', async () => {
    const berlin = await createSchedule({ name: 'berlin', cronExpression: '0 2 * * *', timeZone: 'europe/berlin' });
    expect(berlin.timeZone).toBe('Europe/Berlin');
    // 02:00 in Berlin is 01:00 UTC in winter (CET) and 00:00 UTC in summer (CEST).
    const next = new Date(berlin.nextRunAt);
    expect([0, 1]).toContain(next.getUTCHours());
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(next)).toBe('02:00');

    const moved = await gql('mutation { updateSchedule(name: "berlin", input: { timeZone: "America/New_York" }) { timeZone nextRunAt } }');
    expect(moved.data!.updateSchedule.timeZone).toBe('America/New_York');
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(moved.data!.updateSchedule.nextRunAt))).toBe('02:00');
  });

  it.each([
    ['a cron expression that is not one', { cronExpression: 'every day at 2' }, /cronExpression must have 5 fields .* "every day at 2" has 4/],
    ['too few fields', { cronExpression: '0 2 *' }, /cronExpression must have 5 fields/],
    ['a year field', { cronExpression: '0 0 2 * * * 2027' }, /has 7/],
    ['a value out of range', { cronExpression: '61 * * * *' }, /cronExpression "61 \* \* \* \*" is not a cron expression: .*minute/],
    ['an expression that never fires', { cronExpression: '0 0 30 2 *' }, /cronExpression "0 0 30 2 \*" never fires/],
    ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' }, /timeZone "Mars\/Olympus_Mons" is not an IANA time zone/],
    ['an offset instead of a zone', { timeZone: '+01:00' }, /timeZone "\+01:00" is not an IANA time zone/],
    ['a timeout out of range', { timeoutMinutes: 0 }, /timeoutMinutes must be at least 1/],
    ['a bad name', { name: 'has spaces' }, /name is 1 to 64/],
  ])('refuse %s with BAD_USER_INPUT, storing nothing', async (_label, change, message) => {
    const response = await gql(CREATE, { input: { name: 'x', cronExpression: '0 2 * * *', ...change } });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(message);
    expect(await countRows('health_check_schedules')).toBe(0);
  });

  it('name every problem of an input at once', async () => {
    const response = await gql(CREATE, { input: { name: 'x', cronExpression: '0 2 *', timeZone: 'Nowhere/Land' } });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/cronExpression .*; timeZone "Nowhere\/Land"/);
  });

  it('refuse filters that match no registered worker, naming them and the workers there are', async () => {
    const none = await gql(CREATE, { input: { name: 'x', cronExpression: '0 2 * * *', workerFilters: ['agent-factory'] } });
    expect(codes(none)).toEqual(['BAD_USER_INPUT']);
    expect(none.errors![0]!.message).toBe(
      'workerFilters "agent-factory" matches no registered worker\'s name or type. No worker is registered yet: register one with registerWorker first.',
    );

    await registerFleet();
    await gql('mutation { updateWorker(name: "ui-factory", input: { enabled: false }) { name } }');
    const typo = await gql(CREATE, { input: { name: 'x', cronExpression: '0 2 * * *', workerFilters: ['agent-factory', 'no-such-worker', 'nope'] } });
    expect(codes(typo)).toEqual(['BAD_USER_INPUT']);
    expect(typo.errors![0]!.message).toMatch(/^workerFilters "no-such-worker", "nope" match no registered worker's name or type\. Registered workers: agent-factory \(type \w[^)]*\), data-factory \(type [^)]*\), ui-factory \(type [^)]*, disabled\)\.$/);
    expect(await countRows('health_check_schedules')).toBe(0);

    // Names and types both match, and a disabled worker is still registered.
    const fine = await createSchedule({ name: 'ok', cronExpression: '0 2 * * *', workerFilters: ['ui-factory'] });
    expect(fine.workerFilters).toEqual(['ui-factory']);
  });

  it('refuse a bad update with the same messages, changing nothing', async () => {
    await registerFleet();
    await createSchedule({ name: 'nightly', cronExpression: '0 2 * * *', workerFilters: ['agent-factory'] });
    const before = await storedSchedules();
    for (const [input, message] of [
      ['{ cronExpression: "0 25 * * *" }', /cronExpression "0 25 \* \* \*" is not a cron expression/],
      ['{ timeZone: "Europe/Atlantis" }', /timeZone "Europe\/Atlantis" is not an IANA time zone/],
      ['{ workerFilters: ["ghost"], enabled: false }', /workerFilters "ghost" matches no registered worker/],
      ['{ timeoutMinutes: 100000 }', /timeoutMinutes must be at most 1440/],
    ] as const) {
      const response = await gql(`mutation { updateSchedule(name: "nightly", input: ${input}) { name } }`);
      expect(codes(response), input).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.message).toMatch(message);
    }
    expect(await storedSchedules()).toEqual(before);
  });

  it('refuse a duplicate name with CONFLICT, keeping the first; unknown names and non-admins too', async () => {
    await createSchedule({ name: 'nightly', cronExpression: '0 2 * * *' });
    const before = await storedSchedules();
    const duplicate = await gql(CREATE, { input: { name: 'nightly', cronExpression: '0 3 * * *', timeZone: 'Asia/Tokyo' } });
    expect(codes(duplicate)).toEqual(['CONFLICT']);
    expect(duplicate.errors![0]!.message).toMatch(/^A schedule named "nightly" already exists/);
    expect(await storedSchedules()).toEqual(before);

    expect(codes(await gql('mutation { updateSchedule(name: "nope", input: { enabled: true }) { name } }'))).toEqual(['NOT_FOUND']);
    expect(codes(await gql('mutation { deleteSchedule(name: "nope") }'))).toEqual(['NOT_FOUND']);
    const operator = await keyFor('operator');
    expect(codes(await gql('mutation { deleteSchedule(name: "nightly") }', {}, { key: operator }))).toEqual(['FORBIDDEN']);
    expect(codes(await gql('mutation { createSchedule(input: { name: "y", cronExpression: "0 2 * * *" }) { name } }', {}, { key: operator }))).toEqual(['FORBIDDEN']);
    expect(await countRows('health_check_schedules')).toBe(1);
  });
});

describe('a schedule\'s runs', () => {
  const RUNS = `{ schedules { name lastRunAt runs(first: 2) { totalCount edges { node { uuid triggerSource startedAt schedule { name } } } pageInfo { hasNextPage endCursor } } } }`;

  it('are listed newest first with lastRunAt, and each run names its schedule', async () => {
    await registerFleet();
    await createSchedule({ name: 'hourly', cronExpression: '0 * * * *', workerFilters: ['agent-factory'] });
    await createSchedule({ name: 'idle', cronExpression: '0 3 1 1 *' });
    for (const at of ['2026-11-30T01:00:00Z', '2026-11-30T02:00:00Z', '2026-11-30T03:00:00Z']) await tick(at);
    const onDemand = await initiate({ workerFilters: ['agent-factory'] });

    const response = await gql(RUNS);
    expect(response.errors).toBeUndefined();
    const [hourly, idle] = response.data!.schedules;
    expect(idle).toEqual({ name: 'idle', lastRunAt: null, runs: { totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } } });
    expect(hourly.runs.totalCount).toBe(3);
    expect(hourly.runs.pageInfo.hasNextPage).toBe(true);
    const { results } = await env.DB.prepare("SELECT health_check_uuid AS uuid, started_at FROM health_checks WHERE trigger_type = 'cron' ORDER BY id DESC").all<{ uuid: string }>();
    expect(hourly.runs.edges.map((edge: any) => edge.node.uuid)).toEqual(results.slice(0, 2).map((row) => row.uuid));
    expect(hourly.runs.edges.every((edge: any) => edge.node.triggerSource === 'schedule:hourly' && edge.node.schedule?.name === 'hourly')).toBe(true);
    expect(hourly.lastRunAt).toBe(hourly.runs.edges[0].node.startedAt);

    const next = await gql('query ($after: String) { schedules { name runs(first: 2, after: $after) { edges { node { uuid } } pageInfo { hasNextPage } } } }', {
      after: hourly.runs.pageInfo.endCursor,
    });
    expect(next.data!.schedules[0].runs).toEqual({ edges: [{ node: { uuid: results[2]!.uuid } }], pageInfo: { hasNextPage: false } });

    const single = await gql('query ($uuid: ID!) { healthCheck(uuid: $uuid) { schedule { name cronExpression timeZone } } }', { uuid: results[0]!.uuid });
    expect(single.data!.healthCheck.schedule).toEqual({ name: 'hourly', cronExpression: '0 * * * *', timeZone: 'UTC' });
    const manual = await gql('query ($uuid: ID!) { healthCheck(uuid: $uuid) { triggerType schedule { name } } }', { uuid: onDemand });
    expect(manual.data!.healthCheck).toEqual({ triggerType: 'ON_DEMAND', schedule: null });
    const history = await gql('{ healthChecks(first: 5) { edges { node { triggerType schedule { name } } } } }');
    expect(history.data!.healthChecks.edges.map((edge: any) => edge.node.schedule?.name ?? null)).toEqual([null, 'hourly', 'hourly', 'hourly']);

    for (const bad of ['first: 0', 'first: 101', 'last: 500']) {
      const refused = await gql(`{ schedules { runs(${bad}) { totalCount } } }`);
      expect(codes(refused), bad).toEqual(['BAD_USER_INPUT']);
      expect(refused.errors![0]!.message).toMatch(/must be between 1 and 100/);
    }

    // Deleted, the schedule's runs stay in the history with their source, linked to nothing.
    await gql('mutation { deleteSchedule(name: "hourly") }');
    const orphan = await gql('query ($uuid: ID!) { healthCheck(uuid: $uuid) { triggerSource schedule { name } } }', { uuid: results[0]!.uuid });
    expect(orphan.data!.healthCheck).toEqual({ triggerSource: 'schedule:hourly', schedule: null });
    // …and one created again under the name starts with no runs.
    await createSchedule({ name: 'hourly', cronExpression: '0 * * * *' });
    expect((await gql(RUNS)).data!.schedules[0]).toMatchObject({ name: 'hourly', lastRunAt: null, runs: { totalCount: 0 } });
  });
});
