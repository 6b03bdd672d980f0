import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { countRows, seedRun } from '../helpers/fixtures';
import { codes, gql } from '../helpers/graphql';
import { LIMITS } from '../../sdk/src/protocol';
import { resultInput, runRow, signedReport } from './helpers';

/** A running run with one running worker check, as a dispatch leaves it. */
async function runningCheck(workerName = 'agent-factory') {
  const healthCheckUuid = await seedRun({ status: 'running' }, [{ workerName, status: 'running' }]);
  const row = await env.DB.prepare('SELECT worker_check_uuid FROM worker_health_checks WHERE health_check_uuid = ?')
    .bind(healthCheckUuid)
    .first<{ worker_check_uuid: string }>();
  return { healthCheckUuid, workerCheckUuid: row!.worker_check_uuid };
}

async function workerRow(workerCheckUuid: string) {
  return env.DB.prepare('SELECT status, health_score, unit_test_results, warnings, raw_results FROM worker_health_checks WHERE worker_check_uuid = ?')
    .bind(workerCheckUuid)
    .first<Record<string, unknown>>();
}

describe('reportWorkerResult', () => {
  it('records a signed result into the seed columns', async () => {
    const { healthCheckUuid, workerCheckUuid } = await runningCheck();
    const response = await signedReport(
      'agent-factory',
      resultInput(workerCheckUuid, {
        unitTests: [
          { name: 'a', status: 'PASSED', durationMs: 1.25 },
          { name: 'b', status: 'FAILED', durationMs: 2, error: 'boom' },
        ],
        warnings: ['cold start'],
      }),
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.reportWorkerResult).toMatchObject({ success: true, message: expect.stringMatching(/agent-factory/) });
    const row = await workerRow(workerCheckUuid);
    expect(row!.status).toBe('completed');
    expect(JSON.parse(row!.unit_test_results as string)).toEqual([
      { name: 'a', status: 'passed', durationMs: 1.25 },
      { name: 'b', status: 'failed', durationMs: 2, error: 'boom' },
    ]);
    expect(JSON.parse(row!.warnings as string)).toEqual(['cold start']);
    expect(JSON.parse(row!.raw_results as string)).toMatchObject({ uptimeSeconds: 12 });
    expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 1 });
  });

  it('refuses forged, expired, future, unsigned and another worker\'s signatures, changing nothing', async () => {
    const { healthCheckUuid, workerCheckUuid } = await runningCheck();
    const input = resultInput(workerCheckUuid);
    const now = Math.floor(Date.now() / 1000);
    const attempts = [
      signedReport('agent-factory', input, { signature: 'v1,bm90IGEgcmVhbCBzaWduYXR1cmU=' }),
      signedReport('agent-factory', input, { timestamp: now - 6 * 60 }),
      signedReport('agent-factory', input, { timestamp: now + 6 * 60 }),
      signedReport('agent-factory', input, { signature: null }),
      signedReport('agent-factory', input, { secretOf: 'ui-factory' }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    }
    expect((await workerRow(workerCheckUuid))!.status).toBe('running');
    expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 0 });
    expect(await countRows('webhook_deliveries')).toBe(0);
  });

  it('refuses a replayed webhook-id', async () => {
    const first = await runningCheck();
    const second = await runningCheck();
    const webhookId = 'msg_replayed';
    expect((await signedReport('agent-factory', resultInput(first.workerCheckUuid), { webhookId })).errors).toBeUndefined();
    const replay = await signedReport('agent-factory', resultInput(second.workerCheckUuid), { webhookId });
    expect(codes(replay)).toEqual(['UNAUTHENTICATED']);
    expect(replay.errors![0]!.message).toMatch(/replay/);
    expect((await workerRow(second.workerCheckUuid))!.status).toBe('running');
  });

  it('records exactly one of 20 concurrent copies of one callback', async () => {
    const { healthCheckUuid, workerCheckUuid } = await runningCheck();
    const input = resultInput(workerCheckUuid);
    const timestamp = Math.floor(Date.now() / 1000);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => signedReport('agent-factory', input, { webhookId: 'msg_same', timestamp })),
    );
    const successes = responses.filter((response) => response.data?.reportWorkerResult?.success);
    expect(successes).toHaveLength(1);
    for (const response of responses.filter((r) => !r.data?.reportWorkerResult)) {
      expect(['UNAUTHENTICATED', 'CONFLICT']).toContain(codes(response)[0]);
    }
    expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 1, passed_workers: 1, failed_workers: 0 });
    expect(await countRows('webhook_deliveries')).toBe(1);
  });

  it('records exactly one of 20 concurrent duplicates sent with their own webhook-ids', async () => {
    const { healthCheckUuid, workerCheckUuid } = await runningCheck();
    const input = resultInput(workerCheckUuid);
    const responses = await Promise.all(Array.from({ length: 20 }, () => signedReport('agent-factory', input)));
    expect(responses.filter((response) => response.data?.reportWorkerResult?.success)).toHaveLength(1);
    expect(responses.filter((response) => codes(response)[0] === 'CONFLICT')).toHaveLength(19);
    expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 1 });
  });

  it('keeps every counter exact when many workers report at once', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `w-${i}`);
    const healthCheckUuid = await seedRun(
      { status: 'running', totalWorkers: 12 },
      names.map((workerName) => ({ workerName, status: 'running' as const })),
    );
    const { results } = await env.DB.prepare('SELECT worker_check_uuid, worker_name FROM worker_health_checks WHERE health_check_uuid = ?')
      .bind(healthCheckUuid)
      .all<{ worker_check_uuid: string; worker_name: string }>();
    // Half pass everything; half fail every test (score below the passing line).
    const responses = await Promise.all(
      results.map((row, i) =>
        signedReport(
          row.worker_name,
          resultInput(row.worker_check_uuid, i % 2 ? { unitTests: [{ name: 'x', status: 'FAILED', durationMs: 1 }], orchestratorConnectivity: false, responseTimeMs: 5000 } : {}),
        ),
      ),
    );
    expect(responses.every((response) => response.data?.reportWorkerResult?.success)).toBe(true);
    expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 12, passed_workers: 6, failed_workers: 6 });
  });

  it('refuses a result for a check already final, or for a run already over', async () => {
    const { workerCheckUuid } = await runningCheck();
    await signedReport('agent-factory', resultInput(workerCheckUuid));
    const again = await signedReport('agent-factory', resultInput(workerCheckUuid));
    expect(codes(again)).toEqual(['CONFLICT']);
    expect(again.errors![0]!.message).toMatch(/already recorded/);

    const late = await runningCheck();
    await env.DB.prepare("UPDATE health_checks SET status = 'timeout' WHERE health_check_uuid = ?").bind(late.healthCheckUuid).run();
    const response = await signedReport('agent-factory', resultInput(late.workerCheckUuid));
    expect(codes(response)).toEqual(['CONFLICT']);
    expect(response.errors![0]!.message).toMatch(/too late/);
    expect((await workerRow(late.workerCheckUuid))!.status).toBe('running');
  });

  it.each([
    ['a negative duration', { unitTests: [{ name: 'a', status: 'PASSED', durationMs: -1 }] }, /durationMs/],
    ['completedAt before startedAt', { startedAt: '2026-11-30T02:00:00Z', completedAt: '2026-11-30T01:00:00Z' }, /completedAt/],
    ['a CPU over 100%', { cpuUsagePercent: 250 }, /cpuUsagePercent/],
    ['a nameless test', { unitTests: [{ name: ' ', status: 'PASSED', durationMs: 1 }] }, /name/],
    ['an unknown status', { unitTests: [{ name: 'a', status: 'MAYBE', durationMs: 1 }] }, /MAYBE/],
    ['a missing field', { orchestratorConnectivity: undefined }, /orchestratorConnectivity/],
    // The protocol's limits, which the SDK fits its results to before sending (tests/sdk/fit-result.test.ts).
    [
      'a suite over the limit',
      { unitTests: Array.from({ length: LIMITS.testsPerSuite + 1 }, (_, i) => ({ name: `t${i}`, status: 'PASSED', durationMs: 1 })) },
      /unitTests: at most 200 tests per suite/,
    ],
    ['an over-long test name', { unitTests: [{ name: 'n'.repeat(LIMITS.testName + 1), status: 'PASSED', durationMs: 1 }] }, /at most 200 characters/],
  ])('refuses a payload with %s, changing nothing', async (_label, overrides, message) => {
    const { workerCheckUuid } = await runningCheck();
    const response = await signedReport('agent-factory', resultInput(workerCheckUuid, overrides));
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(message);
    expect((await workerRow(workerCheckUuid))!.status).toBe('running');
  });

  it('answers an unknown worker check like a bad signature, so uuids cannot be probed', async () => {
    const response = await signedReport('agent-factory', resultInput('no-such-check'));
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('does not use up a webhook-id on a result it refuses', async () => {
    const { workerCheckUuid } = await runningCheck();
    await signedReport('agent-factory', resultInput(workerCheckUuid));
    // A duplicate with its own id is CONFLICT, and its id stays unused.
    const duplicate = await signedReport('agent-factory', resultInput(workerCheckUuid), { webhookId: 'msg_refused' });
    expect(codes(duplicate)).toEqual(['CONFLICT']);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id = 'msg_refused'").first('n')).toBe(0);
  });

  it('needs no API key, only the signature', async () => {
    const { workerCheckUuid } = await runningCheck();
    const unsigned = await gql(
      'mutation ($input: ReportWorkerResultInput!) { reportWorkerResult(input: $input) { success } }',
      { input: resultInput(workerCheckUuid) },
      { key: null },
    );
    expect(codes(unsigned)).toEqual(['UNAUTHENTICATED']);
    expect(unsigned.errors![0]!.message).toMatch(/signed/);
  });
});
