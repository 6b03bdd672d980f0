import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { seedRun } from '../helpers/fixtures';
import { FLEET, register, waitForRun } from './helpers';

// The HealthCheckOps entrypoint as another Worker reaches it over a service binding.
const ops = () => exports.HealthCheckOps;

/** The error an RPC call rejects with. RpcPromise is a thenable stub: observe it exactly once. */
async function rejection(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => 'resolved',
    (error: Error) => error.message,
  );
}

describe('HealthCheckOps RPC', () => {
  it('initiates a run and reports its status in the seed\'s snake_case shape', async () => {
    await register([FLEET[0]!]);
    const started = await ops().initiateHealthCheck({ trigger_type: 'on_demand', trigger_source: 'user_123', timeout_minutes: 45 });
    expect(started).toMatchObject({ status: 'running', total_workers: 1, message: expect.stringMatching(/agent-factory/) });
    await waitForRun(started.health_check_uuid);

    const status = await ops().getHealthCheckStatus(started.health_check_uuid);
    expect(status).toMatchObject({
      health_check_uuid: started.health_check_uuid,
      trigger_type: 'on_demand',
      trigger_source: 'user_123',
      status: 'completed',
      total_workers: 1,
      completed_workers: 1,
      overall_health_score: expect.any(Number),
      ai_analysis: expect.any(String),
    });
    expect(status.worker_results[0]).toMatchObject({ worker_name: 'agent-factory', status: 'completed' });
    expect(status.worker_results[0]!.unit_tests.results[0]).toEqual(
      expect.objectContaining({ name: expect.any(String), status: 'passed', duration_ms: expect.any(Number) }),
    );
  });

  it('pages the history, filtered by trigger type', async () => {
    for (let i = 0; i < 5; i++) await seedRun({ triggerType: i < 3 ? 'cron' : 'on_demand', status: 'completed' });
    const page = await ops().getHealthCheckHistory(1, 2, 'cron');
    expect(page).toMatchObject({ total_count: 3, page: 1, limit: 2 });
    expect(page.health_checks).toHaveLength(2);
    expect(page.health_checks.every((run: any) => run.trigger_type === 'cron')).toBe(true);
    const last = await ops().getHealthCheckHistory(2, 2, 'cron');
    expect(last.health_checks).toHaveLength(1);
  });

  it('records a result from a worker bound to the orchestrator', async () => {
    const uuid = await seedRun({ status: 'running' }, [{ workerName: 'agent-factory', status: 'running' }]);
    const row = await env.DB.prepare('SELECT worker_check_uuid FROM worker_health_checks WHERE health_check_uuid = ?').bind(uuid).first<{ worker_check_uuid: string }>();
    const now = new Date().toISOString();
    const result = {
      orchestrator_connectivity: true,
      unit_tests: [{ name: 'a', status: 'passed' as const, duration_ms: 1 }],
      started_at: now,
      completed_at: now,
    };
    expect(await ops().receiveHealthCheckResult(row!.worker_check_uuid, result)).toMatchObject({ success: true });
    expect(await rejection(ops().receiveHealthCheckResult(row!.worker_check_uuid, result))).toMatch(/^CONFLICT: /);
  });

  it('says what is wrong with bad arguments, with the contract code', async () => {
    expect(await rejection(ops().getHealthCheckStatus('missing'))).toMatch(/^NOT_FOUND: /);
    expect(await rejection(ops().getHealthCheckHistory(0, 20))).toMatch(/^BAD_USER_INPUT: page/);
    expect(await rejection(ops().getHealthCheckHistory(1, 500))).toMatch(/^BAD_USER_INPUT: limit/);
    expect(await rejection(ops().initiateHealthCheck({ worker_filters: ['nobody'] }))).toMatch(/^BAD_USER_INPUT: /);
    const now = new Date().toISOString();
    const bad = { orchestrator_connectivity: true, unit_tests: 'all good', started_at: now, completed_at: now };
    expect(await rejection(ops().receiveHealthCheckResult('any', bad as never))).toMatch(/^BAD_USER_INPUT: unit_tests must be a list/);
  });
});
