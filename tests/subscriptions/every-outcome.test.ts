/**
 * Every worker reaching a final state is a WORKER_RESULT, however it got there: a signed result,
 * a dispatch nobody answered, the run's deadline, or a cancel. A dashboard never has to re-query
 * to learn why a worker is done.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, expect, it } from 'vitest';
import { keyFor } from '../helpers/graphql';
import { FLEET, initiate, register } from '../runs/helpers';
import { cancel, heldRun } from './held-runs';
import { dashboard, disconnectAll, UPDATED } from './helpers';

afterEach(disconnectAll);

async function watch() {
  const watcher = dashboard(await keyFor('viewer'));
  await watcher.connected;
  const updates = watcher.subscribe<{ healthCheckUpdated: any }>(UPDATED);
  await watcher.settled();
  return async (uuid: string) => {
    const events: any[] = [];
    while (events.at(-1)?.type !== 'COMPLETED') {
      const result = await updates.next();
      expect(result.errors).toBeUndefined();
      const event = result.data!.healthCheckUpdated;
      if (event.healthCheck.uuid === uuid) events.push(event);
    }
    return events;
  };
}

it('reports an unreachable worker as a WORKER_RESULT, after STARTED', async () => {
  await register([FLEET[0]!, { name: 'ghost', type: 'ghost', url: 'http://127.0.0.1:9/' }]);
  const eventsOf = await watch();
  const uuid = await initiate();
  const events = await eventsOf(uuid);
  expect(events.map((event) => event.type)).toEqual(['STARTED', 'WORKER_RESULT', 'WORKER_RESULT', 'COMPLETED']);
  const ghost = events.find((event) => event.workerResult?.workerName === 'ghost');
  expect(ghost.workerResult).toMatchObject({ status: 'FAILED', healthScore: 0 });
});

it('reports each worker the deadline times out, then COMPLETED', async () => {
  // The test-only silent worker: accepts the signed dispatch and never reports.
  await register([{ name: 'mute', type: 'mute', binding: 'SILENT_WORKER' }]);
  const eventsOf = await watch();
  const uuid = await initiate();
  const stub = env.HEALTH_CHECK_RUN.get(env.HEALTH_CHECK_RUN.idFromName(uuid));
  // Let the dispatch happen, then move the deadline into the past and fire the alarm.
  for (let i = 0; i < 100; i++) {
    const row = await env.DB.prepare('SELECT status FROM worker_health_checks WHERE health_check_uuid = ?').bind(uuid).first<{ status: string }>();
    if (row?.status === 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await runInDurableObject(stub, async (_instance, state) => {
    state.storage.sql.exec("UPDATE ledger_run SET params = json_set(params, '$.timeoutAt', ?)", Date.now() - 1);
  });
  expect(await runDurableObjectAlarm(stub)).toBe(true);
  const events = await eventsOf(uuid);
  expect(events.map((event) => event.type)).toEqual(['STARTED', 'WORKER_RESULT', 'COMPLETED']);
  expect(events[1].workerResult).toMatchObject({ workerName: 'mute', status: 'TIMEOUT' });
  expect(events[2].healthCheck.status).toBe('TIMEOUT');
});

it('reports each worker a cancel leaves unfinished, then COMPLETED', async () => {
  const run = await heldRun(2);
  const eventsOf = await watch();
  await cancel(run);
  const events = await eventsOf(run.healthCheckUuid);
  expect(events.map((event) => event.type)).toEqual(['WORKER_RESULT', 'WORKER_RESULT', 'COMPLETED']);
  for (const event of events.slice(0, 2)) expect(event.workerResult.status).toBe('FAILED');
  expect(events[2].healthCheck.status).toBe('CANCELLED');
});
