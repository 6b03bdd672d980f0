import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { gql } from '../helpers/graphql';

const SCHEDULES = `SELECT name, cron_expression AS cronExpression, time_zone AS timeZone, enabled, timeout_minutes AS timeoutMinutes,
  include_unit_tests AS unit, include_performance_tests AS performance, include_integration_tests AS integration, worker_filters AS filters
  FROM health_check_schedules ORDER BY name`;
const stored = async () => (await env.DB.prepare(SCHEDULES).all()).results;

// Read before any test runs: tests/setup empties health_check_schedules before each test, and this
// file's database has just had every migration applied (storage is per test file).
const afterMigrations = await stored();

const SEED = env.TEST_MIGRATIONS.find((migration) => migration.name.includes('seed_schedules'));
/** Runs the seed migration's statements again, as a fresh database gets them. */
async function runSeedMigration() {
  for (const query of SEED!.queries) await env.DB.prepare(query).run();
}

const seeded = (name: string, cronExpression: string, timeoutMinutes: number) => ({
  name, cronExpression, timeZone: 'UTC', enabled: 1, timeoutMinutes, unit: 1, performance: 1, integration: 1, filters: null,
});

describe('the seed\'s default schedules', () => {
  it('exist after the migrations, with the seed\'s options', () => {
    expect(afterMigrations).toEqual([seeded('daily_health_check', '0 2 * * *', 45), seeded('weekly_comprehensive', '0 1 * * 0', 90)]);
  });

  it('are listed with their next run times', async () => {
    await runSeedMigration();
    const response = await gql('{ schedules { name cronExpression timeZone enabled timeoutMinutes workerFilters nextRunAt lastRunAt } }');
    expect(response.errors).toBeUndefined();
    const [daily, weekly] = response.data!.schedules;
    expect(daily).toMatchObject({ name: 'daily_health_check', cronExpression: '0 2 * * *', timeZone: 'UTC', enabled: true, timeoutMinutes: 45, workerFilters: [], lastRunAt: null });
    expect(daily.nextRunAt).toMatch(/T02:00:00\.000Z$/);
    expect(weekly).toMatchObject({ name: 'weekly_comprehensive', timeoutMinutes: 90 });
    expect(new Date(weekly.nextRunAt).getUTCDay()).toBe(0);
    expect(weekly.nextRunAt).toMatch(/T01:00:00\.000Z$/);
  });

  it('stay as a team left them when migrations are applied again: edited stays edited, deleted stays deleted', async () => {
    await runSeedMigration();
    await gql('mutation { updateSchedule(name: "daily_health_check", input: { cronExpression: "0 3 * * *", timeZone: "Europe/Berlin" }) { name } }');
    await gql('mutation { deleteSchedule(name: "weekly_comprehensive") }');
    const chosen = await stored();

    // What the next `wrangler d1 migrations apply` does: applied migrations are recorded and skipped.
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    expect(await stored()).toEqual(chosen);
    expect(chosen).toEqual([{ ...seeded('daily_health_check', '0 3 * * *', 45), timeZone: 'Europe/Berlin' }]);
  });

  it('never overwrite a schedule of the same name that a team made itself', async () => {
    await gql('mutation { createSchedule(input: { name: "daily_health_check", cronExpression: "15 4 * * *", timeoutMinutes: 10 }) { name } }');
    await runSeedMigration();
    expect(await stored()).toEqual([
      { ...seeded('daily_health_check', '15 4 * * *', 10), filters: '[]' }, // the team's, untouched
      seeded('weekly_comprehensive', '0 1 * * 0', 90),
    ]);
  });
});
