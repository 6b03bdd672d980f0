import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { HealthCheckRun } from '../../durable/health-check-run';
import type { RunLedger } from '../../durable/run-ledger';
import { completedRow } from '../../operations/result-row';
import { workerResultSchema } from '../../sdk/src/protocol';
import { codes, gql, keyFor } from '../helpers/graphql';
import { FLEET, initiate, readRun, register, resultInput, signedReport, waitForRun } from './helpers';

const runObject = (uuid: string) => env.HEALTH_CHECK_RUN.get(env.HEALTH_CHECK_RUN.idFromName(uuid));

/**
 * A worker that accepts its dispatch and never reports: served by the test-only silent worker
 * (tests/workers/silent-worker.ts), which verifies the dispatch was signed for "mute", answers
 * 202 and stays silent.
 */
const MUTE = { name: 'mute', type: 'mute', binding: 'SILENT_WORKER' };

/** Moves the run's deadline into the past, as if its timeout had elapsed, and fires the alarm. */
async function passDeadline(uuid: string) {
  const stub = runObject(uuid);
  await runInDurableObject(stub, async (_instance, state) => {
    state.storage.sql.exec("UPDATE ledger_run SET params = json_set(params, '$.timeoutAt', ?)", Date.now() - 1);
  });
  return runDurableObjectAlarm(stub);
}

describe('deadlines and cancellation', () => {
  it('times out a worker that never answers, and ends the run TIMEOUT with exact counts', async () => {
    await register([FLEET[0]!, MUTE]);
    const uuid = await initiate();
    // agent-factory reports; mute is dispatched and stays running.
    await waitForRun(uuid, (run) => run.workerResults.every((w: any) => w.status !== 'PENDING') && run.completedWorkers === 1);
    expect(await passDeadline(uuid)).toBe(true);

    const run = await readRun(uuid);
    expect(run.status).toBe('TIMEOUT');
    expect(run).toMatchObject({ totalWorkers: 2, completedWorkers: 2, passedWorkers: 1, failedWorkers: 1 });
    const mute = run.workerResults.find((w: any) => w.workerName === 'mute');
    expect(mute).toMatchObject({ status: 'TIMEOUT', healthScore: 0, healthStatus: 'CRITICAL' });
    expect(mute.errorMessage).toMatch(/No result before the deadline \(30 minutes\)/);
    const agent = run.workerResults.find((w: any) => w.workerName === 'agent-factory');
    expect(run.overallHealthScore).toBeCloseTo(agent.healthScore / 2, 4);
    expect(run.aiAnalysis).toMatch(/mute/);

    // A result arriving after the deadline is refused and changes nothing.
    const late = await signedReport('mute', resultInput(mute.uuid));
    expect(codes(late)).toEqual(['CONFLICT']);
    expect((await readRun(uuid)).workerResults.find((w: any) => w.workerName === 'mute').status).toBe('TIMEOUT');
  });

  it('cancels a running run: outstanding workers stop being waited for', async () => {
    await register([MUTE]);
    const uuid = await initiate();
    await waitForRun(uuid, (run) => run.workerResults[0].status === 'RUNNING');
    const operator = await keyFor('operator');
    const cancelled = await gql('mutation ($uuid: ID!) { cancelHealthCheck(uuid: $uuid) { status completedAt workerResults { status errorMessage } } }', { uuid }, { key: operator });
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data!.cancelHealthCheck).toMatchObject({
      status: 'CANCELLED',
      completedAt: expect.any(String),
      workerResults: [{ status: 'FAILED', errorMessage: 'Cancelled before the worker reported.' }],
    });
    // The run's object stopped: no alarm is left to time anything out later.
    expect(await runDurableObjectAlarm(runObject(uuid))).toBe(false);
    expect((await readRun(uuid)).status).toBe('CANCELLED');

    const again = await gql('mutation ($uuid: ID!) { cancelHealthCheck(uuid: $uuid) { status } }', { uuid });
    expect(codes(again)).toEqual(['CONFLICT']);
    const late = await signedReport('mute', resultInput((await readRun(uuid)).workerResults[0].uuid));
    expect(codes(late)).toEqual(['CONFLICT']);
  });

  it('refuses to cancel an unknown run, or for a viewer', async () => {
    expect(codes(await gql('mutation { cancelHealthCheck(uuid: "nope") { status } }'))).toEqual(['NOT_FOUND']);
    const viewer = await keyFor('viewer');
    expect(codes(await gql('mutation { cancelHealthCheck(uuid: "nope") { status } }', {}, { key: viewer }))).toEqual(['FORBIDDEN']);
  });

  it('finishes a run whose Durable Object is evicted before it dispatches', async () => {
    await register(FLEET);
    const uuid = await initiate();
    const stub = runObject(uuid);
    await runInDurableObject(stub, () => {}); // running, so there is something to evict
    await evictDurableObject(stub);
    const run = await waitForRun(uuid);
    expect(run.status).toBe('COMPLETED');
    expect(run.completedWorkers).toBe(3);
  });

  it('times a run out correctly after its Durable Object was evicted mid-run', async () => {
    await register([FLEET[0]!, MUTE]);
    const uuid = await initiate();
    await waitForRun(uuid, (run) => run.completedWorkers === 1 && run.workerResults.every((w: any) => w.status !== 'PENDING'));
    const stub = runObject(uuid);
    await runInDurableObject(stub, () => {});
    await evictDurableObject(stub);
    expect(await passDeadline(uuid)).toBe(true);
    expect(await readRun(uuid)).toMatchObject({ status: 'TIMEOUT', completedWorkers: 2, passedWorkers: 1, failedWorkers: 1 });
  });

  it('completes a run whose object died after taking its last result, before writing it to D1', async () => {
    await register([MUTE]);
    const uuid = await initiate();
    await waitForRun(uuid, (run) => run.workerResults[0].status === 'RUNNING');
    const [check] = (await readRun(uuid)).workerResults;
    const input = { ...resultInput(check.uuid, { unitTests: [{ name: 'works', status: 'passed', durationMs: 1 }] }), workerCheckUuid: undefined };
    const { columns, healthScore, passing } = completedRow(workerResultSchema.parse(input), input);
    // The ledger takes the result, and the object dies before its flush: nothing is in D1 yet.
    const stub = runObject(uuid);
    await runInDurableObject(stub, (instance: HealthCheckRun) => {
      (instance as unknown as { ledger: RunLedger }).ledger.recordResult(
        { workerCheckUuid: check.uuid, workerName: 'mute', webhookId: null, digest: 'd', columns, healthScore, passing },
        null,
      );
    });
    await evictDurableObject(stub);
    expect((await readRun(uuid)).workerResults[0].status).toBe('RUNNING');
    // Its next alarm writes what the ledger took and ends the run, long before the deadline.
    expect(await runDurableObjectAlarm(runObject(uuid))).toBe(true);
    await waitForRun(uuid);
    expect(await readRun(uuid)).toMatchObject({ status: 'COMPLETED', completedWorkers: 1, passedWorkers: 1, failedWorkers: 0 });
  });

  it('finalises once, however often it is told a result is in', async () => {
    await register([FLEET[0]!]);
    const uuid = await initiate();
    const run = await waitForRun(uuid);
    const completedAt = run.completedAt;
    await Promise.all(Array.from({ length: 5 }, () => runObject(uuid).resultRecorded()));
    expect((await readRun(uuid)).completedAt).toBe(completedAt);
  });
});
