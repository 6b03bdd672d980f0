import { describe, expect, it } from 'vitest';
import { countRows } from '../helpers/fixtures';
import { codes, gql, keyFor } from '../helpers/graphql';
import { FLEET, initiate, register, registerFleet, waitForRun } from './helpers';

describe('a health check run', () => {
  it('checks every worker of the demo fleet and scores the run', async () => {
    await registerFleet();
    const uuid = await initiate({ triggerSource: 'test-suite' });
    const run = await waitForRun(uuid);

    expect(run.status).toBe('COMPLETED');
    expect(run.totalWorkers).toBe(3);
    expect(run.completedWorkers).toBe(3);
    expect(run.passedWorkers + run.failedWorkers).toBe(3);
    expect(run.workerResults.map((w: any) => w.workerName)).toEqual(['agent-factory', 'data-factory', 'ui-factory']);
    for (const worker of run.workerResults) {
      expect(worker.status).toBe('COMPLETED');
      expect(worker.orchestratorConnectivity).toBe(true);
      expect(worker.unitTests.total).toBeGreaterThan(0);
      expect(worker.performanceTests.total).toBeGreaterThan(0);
      expect(worker.integrationTests.total).toBeGreaterThan(0);
      expect(worker.uptimeSeconds).toBeGreaterThanOrEqual(0);
      // Workers cannot measure memory: the SDK reports null rather than inventing a number.
      expect(worker.memoryUsageMb).toBeNull();
      expect(worker.aiWorkerAnalysis).toEqual(expect.any(String));
    }
    const byName = Object.fromEntries(run.workerResults.map((w: any) => [w.workerName, w]));
    expect(byName['data-factory'].databaseConnectivity).toBe(true);
    // ui-factory is degraded on purpose: slow performance tests, a flaky upstream.
    expect(byName['ui-factory'].healthStatus).not.toBe('HEALTHY');
    expect(byName['ui-factory'].performanceTests.failed).toBeGreaterThan(0);
    expect(byName['agent-factory'].healthStatus).toBe('HEALTHY');

    const mean = run.workerResults.reduce((sum: number, w: any) => sum + w.healthScore, 0) / 3;
    expect(run.overallHealthScore).toBeCloseTo(mean, 3);
    expect(run.healthStatus).toEqual(expect.any(String));
    expect(run.aiAnalysis).toContain('ui-factory');
    expect(run.aiRecommendations.length).toBeGreaterThan(0);
    expect(run.completedAt).toEqual(expect.any(String));
  });

  it('checks only the workers the filters name, by name or type', async () => {
    await registerFleet();
    const byName = await waitForRun(await initiate({ workerFilters: ['data-factory'] }));
    expect(byName.workerResults.map((w: any) => w.workerName)).toEqual(['data-factory']);
    const byType = await waitForRun(await initiate({ workerFilters: ['ui', 'agent'] }));
    expect(byType.workerResults.map((w: any) => w.workerName)).toEqual(['agent-factory', 'ui-factory']);
  });

  it('honours the include flags', async () => {
    await registerFleet();
    const run = await waitForRun(
      await initiate({ workerFilters: ['agent-factory'], includePerformanceTests: false, includeIntegrationTests: false }),
    );
    const [worker] = run.workerResults;
    expect(worker.unitTests.total).toBeGreaterThan(0);
    expect(worker.performanceTests).toMatchObject({ total: 0, results: [] });
    expect(worker.integrationTests).toMatchObject({ total: 0, results: [] });
  });

  it('refuses a filter that matches nothing, naming the known workers, and writes nothing', async () => {
    await registerFleet();
    const response = await gql('mutation { initiateHealthCheck(input: { workerFilters: ["agent-fatcory"] }) { healthCheckUuid } }');
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/"agent-fatcory".*agent-factory \(agent\)/);
    expect(await countRows('health_checks')).toBe(0);
  });

  it('refuses to start a run with no enabled worker', async () => {
    const response = await gql('mutation { initiateHealthCheck { healthCheckUuid } }');
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/no enabled worker/i);
    expect(await countRows('health_checks')).toBe(0);
  });

  it.each([0, 1441, -5])('refuses timeoutMinutes: %i', async (timeoutMinutes) => {
    await registerFleet();
    const response = await gql('mutation ($t: Int) { initiateHealthCheck(input: { timeoutMinutes: $t }) { healthCheckUuid } }', {
      t: timeoutMinutes,
    });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await countRows('health_checks')).toBe(0);
  });

  it('fails an unreachable worker at once, with the reason', async () => {
    await register([{ name: 'ghost', type: 'ghost', url: 'http://127.0.0.1:9/' }]);
    const run = await waitForRun(await initiate());
    expect(run.status).toBe('FAILED');
    expect(run.workerResults[0]).toMatchObject({ status: 'FAILED', healthScore: 0, healthStatus: 'CRITICAL' });
    expect(run.workerResults[0].errorMessage).toMatch(/^Worker ghost not responding/);
    expect(run).toMatchObject({ completedWorkers: 1, passedWorkers: 0, failedWorkers: 1, overallHealthScore: 0 });
  });

  it('signs each dispatch for its own worker: a fleet worker refuses one meant for another name', async () => {
    // "impostor" routed to agent-factory's code: the dispatch is signed with impostor's secret
    // and names impostor, so agent-factory refuses it, runs nothing and reports nothing.
    await register([FLEET[0]!, { name: 'impostor', type: 'agent', binding: 'AGENT_FACTORY' }]);
    const run = await waitForRun(await initiate());
    const byName = Object.fromEntries(run.workerResults.map((w: any) => [w.workerName, w]));
    expect(byName['agent-factory']).toMatchObject({ status: 'COMPLETED', healthStatus: 'HEALTHY' });
    expect(byName['impostor']).toMatchObject({ status: 'FAILED', healthScore: 0, unitTests: { total: 0 } });
    expect(byName['impostor'].errorMessage).toMatch(/^Worker impostor answered 401: .*signature was refused/);
    expect(run).toMatchObject({ status: 'COMPLETED', completedWorkers: 2, passedWorkers: 1, failedWorkers: 1 });
  });

  it('lets operators start runs but not viewers', async () => {
    await registerFleet();
    const viewer = await keyFor('viewer');
    const refused = await gql('mutation { initiateHealthCheck { healthCheckUuid } }', {}, { key: viewer });
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    const operator = await keyFor('operator');
    const started = await gql('mutation { initiateHealthCheck(input: { workerFilters: ["agent-factory"] }) { healthCheckUuid totalWorkers healthCheck { status triggerSource } } }', {}, { key: operator });
    expect(started.errors).toBeUndefined();
    expect(started.data!.initiateHealthCheck).toMatchObject({ totalWorkers: 1, healthCheck: { status: 'RUNNING' } });
    await waitForRun(started.data!.initiateHealthCheck.healthCheckUuid);
  });
});
