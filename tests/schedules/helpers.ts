import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, expect } from 'vitest';
import worker from '../../index';
import { gql } from '../helpers/graphql';

// tests/setup empties the seed's tables before each test; schedule_runs is this feature's own.
beforeEach(async () => {
  await env.DB.prepare('DELETE FROM schedule_runs').run();
});

export const CREATE = `mutation ($input: CreateScheduleInput!) {
  createSchedule(input: $input) { name cronExpression timeZone enabled timeoutMinutes includeUnitTests includePerformanceTests includeIntegrationTests workerFilters nextRunAt lastRunAt }
}`;

/** Creates a schedule through the API; the test fails on any error. */
export async function createSchedule(input: Record<string, unknown>) {
  const response = await gql(CREATE, { input });
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!.createSchedule;
}

/** One cron trigger, as Cloudflare delivers it to the orchestrator's scheduled handler. */
export async function tick(at: string) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(at), cron: '* * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** The cron runs started, oldest first. */
export async function cronRuns() {
  const { results } = await env.DB.prepare(
    "SELECT health_check_uuid AS uuid, trigger_source AS source FROM health_checks WHERE trigger_type = 'cron' ORDER BY id",
  ).all<{ uuid: string; source: string }>();
  return results;
}

/** What the ticks recorded per (schedule, due time), oldest due time first, due times as ISO strings. */
export async function slots(schedule?: string) {
  const { results } = await env.DB.prepare(
    `SELECT schedule_name AS schedule, due_at AS dueAt, status, catch_up AS catchUp, health_check_uuid AS healthCheckUuid, error
     FROM schedule_runs ${schedule ? 'WHERE schedule_name = ?1' : ''} ORDER BY due_at, id`,
  )
    .bind(...(schedule ? [schedule] : []))
    .all<{ schedule: string; dueAt: string; status: string; catchUp: number; healthCheckUuid: string | null; error: string | null }>();
  return results.map((row) => ({ ...row, dueAt: `${row.dueAt.replace(' ', 'T')}Z`, catchUp: Boolean(row.catchUp) }));
}

/** Sets when a schedule was created and last changed (due times before it are never caught up). */
export async function setChangedAt(name: string, at: string) {
  const stamp = new Date(at).toISOString().replace('T', ' ').replace('Z', '');
  await env.DB.prepare('UPDATE health_check_schedules SET created_at = ?1, updated_at = ?1 WHERE name = ?2').bind(stamp, name).run();
}
