import { describe, expect, it } from 'vitest';
import { seedRun } from '../helpers/fixtures';
import { codes, gql, type GraphQLResponse } from '../helpers/graphql';

const PAGE = `query ($first: Int, $after: String, $triggerType: TriggerType, $status: HealthCheckStatus) {
  healthChecks(first: $first, after: $after, triggerType: $triggerType, status: $status) {
    totalCount
    edges { cursor node { uuid triggerType status } }
    pageInfo { hasNextPage endCursor }
  }
}`;

async function seedHistory() {
  const uuids: string[] = [];
  for (let i = 0; i < 7; i++) {
    uuids.push(
      await seedRun({ triggerType: i % 2 ? 'cron' : 'on_demand', status: i < 5 ? 'completed' : 'running' }),
    );
  }
  return uuids;
}

describe('health check history', () => {
  it('walks every page newest first with the cursor, and stops', async () => {
    const uuids = await seedHistory();
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const response: GraphQLResponse = await gql(PAGE, { first: 3, after });
      expect(response.errors).toBeUndefined();
      const connection: any = response.data!.healthChecks;
      expect(connection.totalCount).toBe(7);
      seen.push(...connection.edges.map((edge: any) => edge.node.uuid));
      pages++;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...uuids].reverse());
  });

  it('filters by trigger type and status, with matching totals', async () => {
    await seedHistory();
    const cron = await gql(PAGE, { first: 10, triggerType: 'CRON' });
    expect(cron.data!.healthChecks.totalCount).toBe(3);
    expect(cron.data!.healthChecks.edges.every((edge: any) => edge.node.triggerType === 'CRON')).toBe(true);

    const running = await gql(PAGE, { first: 10, status: 'RUNNING' });
    expect(running.data!.healthChecks.totalCount).toBe(2);
    expect(running.data!.healthChecks.edges).toHaveLength(2);

    const both = await gql(PAGE, { first: 10, status: 'COMPLETED', triggerType: 'ON_DEMAND' });
    expect(both.data!.healthChecks.totalCount).toBe(3);
    expect(both.data!.healthChecks.edges).toHaveLength(3);
  });

  it('defaults to pages of 20', async () => {
    for (let i = 0; i < 22; i++) await seedRun();
    const response = await gql(PAGE, {});
    expect(response.data!.healthChecks.edges).toHaveLength(20);
    expect(response.data!.healthChecks.pageInfo.hasNextPage).toBe(true);
  });

  it.each([0, -1, 101])('refuses first: %i with BAD_USER_INPUT', async (first) => {
    const response = await gql(PAGE, { first });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/first/);
  });

  it.each(['not-a-cursor', 'REM6eHl6', btoa('DC:J:[1')])('refuses the malformed cursor %s with BAD_USER_INPUT', async (after) => {
    await seedHistory();
    const response = await gql(PAGE, { first: 2, after });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/cursor/i);
  });

  // Pothos reads the page arguments only when it builds the page's query, which it skips for a
  // selection of totalCount alone: these were answered with the count before.
  const COUNT_ONLY = 'query ($first: Int, $last: Int, $after: String, $before: String) { healthChecks(first: $first, last: $last, after: $after, before: $before) { totalCount } }';

  it.each([
    ['first: -1', { first: -1 }, /"first" must be between 1 and 100; got -1/],
    ['first: 0', { first: 0 }, /"first"/],
    ['first: 101', { first: 101 }, /"first"/],
    ['last: -1', { last: -1 }, /"last"/],
    ['after: "%%%garbage"', { after: '%%%garbage' }, /"after" is not a cursor/],
    ['after: "not-a-cursor"', { after: 'not-a-cursor' }, /"after" is not a cursor/],
    ['after: a string cursor', { after: btoa('DC:S:abc') }, /"after" is not a cursor/],
    ['before: "REM6eHl6"', { before: 'REM6eHl6' }, /"before" is not a cursor/],
  ])('refuses %s with BAD_USER_INPUT when only totalCount is selected', async (_label, variables, message) => {
    await seedHistory();
    const response = await gql(COUNT_ONLY, variables);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(message);
    expect(response.data ?? null).toBeNull();
  });

  it('refuses "%%%garbage" as a cursor when the page is selected too', async () => {
    const response = await gql(PAGE, { first: 2, after: '%%%garbage' });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('counts with a real cursor and page size when only totalCount is selected', async () => {
    await seedHistory();
    const page = await gql(PAGE, { first: 2 });
    const after = page.data!.healthChecks.pageInfo.endCursor;
    const response = await gql(COUNT_ONLY, { first: 2, after });
    expect(response.errors).toBeUndefined();
    expect(response.data!.healthChecks.totalCount).toBe(7);
  });
});
