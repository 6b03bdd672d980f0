import { describe, expect, it } from 'vitest';
import { seedRun } from '../helpers/fixtures';
import { gql } from '../helpers/graphql';

const unitResults = [
  { name: 'parses config', status: 'passed', durationMs: 1.5 },
  { name: 'renders template', status: 'failed', durationMs: 3, error: 'expected <div>' },
];

describe('reading a health check', () => {
  it('returns a seeded run and its worker results with every field', async () => {
    const uuid = await seedRun(
      {
        status: 'completed',
        triggerType: 'cron',
        triggerSource: 'system',
        totalWorkers: 2,
        completedWorkers: 2,
        passedWorkers: 1,
        failedWorkers: 1,
        overallHealthScore: 0.75,
        aiAnalysis: 'The fleet is degraded.',
        aiRecommendations: JSON.stringify(['Fix ui-factory', 'Watch latency']),
        startedAt: new Date('2026-11-30T01:00:00.000Z'),
        completedAt: new Date('2026-11-30T01:02:00.000Z'),
        timeoutAt: new Date('2026-11-30T01:30:00.000Z'),
      },
      [
        {
          workerName: 'agent-factory',
          workerType: 'agent',
          status: 'completed',
          healthScore: 0.95,
          uptimeSeconds: 120,
          responseTimeMs: 42,
          orchestratorConnectivity: true,
          databaseConnectivity: true,
          unitTestsTotal: 2,
          unitTestsPassed: 1,
          unitTestsFailed: 1,
          unitTestResults: JSON.stringify(unitResults),
          warnings: JSON.stringify(['slow cold start']),
        },
        { workerName: 'ui-factory', workerType: 'ui', status: 'timeout', healthScore: 0, errorMessage: 'timed out' },
      ],
    );

    const response = await gql(
      `query ($uuid: ID!) {
        healthCheck(uuid: $uuid) {
          uuid triggerType triggerSource status totalWorkers completedWorkers passedWorkers failedWorkers
          overallHealthScore healthStatus aiAnalysis aiRecommendations startedAt completedAt timeoutAt
          workerResults {
            workerName workerType status healthScore healthStatus uptimeSeconds memoryUsageMb cpuUsagePercent
            responseTimeMs orchestratorConnectivity databaseConnectivity externalApiConnectivity errorMessage warnings
            unitTests { total passed failed results { name status durationMs error } }
            performanceTests { total results { name } }
          }
        }
      }`,
      { uuid },
    );

    expect(response.errors).toBeUndefined();
    const check = response.data!.healthCheck;
    expect(check).toMatchObject({
      uuid,
      triggerType: 'CRON',
      triggerSource: 'system',
      status: 'COMPLETED',
      totalWorkers: 2,
      completedWorkers: 2,
      passedWorkers: 1,
      failedWorkers: 1,
      overallHealthScore: 0.75,
      healthStatus: 'DEGRADED',
      aiAnalysis: 'The fleet is degraded.',
      aiRecommendations: ['Fix ui-factory', 'Watch latency'],
      startedAt: '2026-11-30T01:00:00.000Z',
      completedAt: '2026-11-30T01:02:00.000Z',
      timeoutAt: '2026-11-30T01:30:00.000Z',
    });
    expect(check.workerResults).toEqual([
      {
        workerName: 'agent-factory',
        workerType: 'agent',
        status: 'COMPLETED',
        healthScore: 0.95,
        healthStatus: 'HEALTHY',
        uptimeSeconds: 120,
        memoryUsageMb: null,
        cpuUsagePercent: null,
        responseTimeMs: 42,
        orchestratorConnectivity: true,
        databaseConnectivity: true,
        externalApiConnectivity: false,
        errorMessage: null,
        warnings: ['slow cold start'],
        unitTests: {
          total: 2,
          passed: 1,
          failed: 1,
          results: [
            { name: 'parses config', status: 'PASSED', durationMs: 1.5, error: null },
            { name: 'renders template', status: 'FAILED', durationMs: 3, error: 'expected <div>' },
          ],
        },
        performanceTests: { total: 0, results: [] },
      },
      expect.objectContaining({ workerName: 'ui-factory', status: 'TIMEOUT', healthStatus: 'CRITICAL', errorMessage: 'timed out' }),
    ]);
  });

  it('has no health status while a run is still running', async () => {
    const uuid = await seedRun({ status: 'running' }, [{ status: 'pending' }]);
    const response = await gql('query ($uuid: ID!) { healthCheck(uuid: $uuid) { healthStatus workerResults { status healthStatus } } }', { uuid });
    expect(response.data!.healthCheck).toEqual({ healthStatus: null, workerResults: [{ status: 'PENDING', healthStatus: null }] });
  });

  it('answers null for an unknown uuid', async () => {
    const response = await gql('{ healthCheck(uuid: "nope") { uuid } workerHealthCheck(uuid: "nope") { uuid } }');
    expect(response.data).toEqual({ healthCheck: null, workerHealthCheck: null });
  });

  it('reads one worker check with its run', async () => {
    const uuid = await seedRun({ status: 'completed' }, [{ workerName: 'data-factory', status: 'completed', healthScore: 0.5 }]);
    const list = await gql('query ($uuid: ID!) { healthCheck(uuid: $uuid) { workerResults { uuid } } }', { uuid });
    const workerUuid = list.data!.healthCheck.workerResults[0].uuid;
    const response = await gql(
      'query ($uuid: ID!) { workerHealthCheck(uuid: $uuid) { workerName healthStatus healthCheckUuid healthCheck { uuid } } }',
      { uuid: workerUuid },
    );
    expect(response.data!.workerHealthCheck).toEqual({
      workerName: 'data-factory',
      healthStatus: 'UNHEALTHY',
      healthCheckUuid: uuid,
      healthCheck: { uuid },
    });
  });
});
