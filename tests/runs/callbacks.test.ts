import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { countRows, seedRun } from '../helpers/fixtures';
import { codes, gql } from '../helpers/graphql';
import { deriveWorkerSecret, LIMITS } from '../../sdk/src/protocol';
import { deliverResult } from '../../sdk/src/callback';
import type { WorkerResultPayload } from '../../sdk/src/protocol';
import { SIGNATURE_REFUSED, TIMESTAMP_REFUSED } from '../../operations/verify-callback';
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
    const responses = await Promise.all(attempts);
    for (const response of responses) {
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    }
    expect(responses.map((response) => response.errors![0]!.message)).toEqual([
      SIGNATURE_REFUSED,
      TIMESTAMP_REFUSED,
      TIMESTAMP_REFUSED,
      'A worker result must be signed: missing webhook-signature.',
      SIGNATURE_REFUSED,
    ]);
    expect((await workerRow(workerCheckUuid))!.status).toBe('running');
    expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 0 });
    expect(await countRows('webhook_deliveries')).toBe(0);
  });

  it('refuses a webhook-id already consumed by another check of the run', async () => {
    const healthCheckUuid = await seedRun({ status: 'running' }, [{ workerName: 'agent-factory', status: 'running' }, { workerName: 'agent-factory', status: 'running' }]);
    const checks = await env.DB.prepare('SELECT worker_check_uuid FROM worker_health_checks WHERE health_check_uuid = ? ORDER BY id').bind(healthCheckUuid).all<{ worker_check_uuid: string }>();
    const [first, second] = checks.results.map((row) => ({ workerCheckUuid: row.worker_check_uuid }));
    const webhookId = 'msg_replayed';
    expect((await signedReport('agent-factory', resultInput(first!.workerCheckUuid), { webhookId })).errors).toBeUndefined();
    const replay = await signedReport('agent-factory', resultInput(second!.workerCheckUuid), { webhookId });
    expect(codes(replay)).toEqual(['UNAUTHENTICATED']);
    expect(replay.errors![0]!.message).toMatch(/replay/);
    expect((await workerRow(second!.workerCheckUuid))!.status).toBe('running');
  });

  it('records one of 20 concurrent copies of one delivery, and answers every copy that it is recorded', async () => {
    const { healthCheckUuid, workerCheckUuid } = await runningCheck();
    const input = resultInput(workerCheckUuid);
    const timestamp = Math.floor(Date.now() / 1000);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => signedReport('agent-factory', input, { webhookId: 'msg_same', timestamp })),
    );
    // Before, one copy succeeded and the others were UNAUTHENTICATED ("already used") or CONFLICT,
    // depending on when each arrived.
    for (const response of responses) expect(response.errors).toBeUndefined();
    const messages = responses.map((response) => response.data!.reportWorkerResult.message as string);
    expect(messages.filter((message) => message.startsWith('Recorded'))).toHaveLength(1);
    expect(messages.filter((message) => message.startsWith('Already recorded'))).toHaveLength(19);
    expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 1, passed_workers: 1, failed_workers: 0 });
    expect(await countRows('webhook_deliveries')).toBe(1);
  });

  describe('a retried delivery (same webhook-id, same body, signed afresh)', () => {
    async function recorded() {
      const check = await runningCheck();
      const input = resultInput(check.workerCheckUuid);
      const first = await signedReport('agent-factory', input, { webhookId: 'msg_retried' });
      expect(first.data!.reportWorkerResult).toMatchObject({ success: true, message: expect.stringMatching(/^Recorded/) });
      return { ...check, input, row: await workerRow(check.workerCheckUuid) };
    }

    it('answers success after the result is recorded, writing nothing', async () => {
      const { healthCheckUuid, workerCheckUuid, input, row } = await recorded();
      // Before: UNAUTHENTICATED "The webhook-id msg_retried was already used: this delivery is a replay."
      const retry = await signedReport('agent-factory', input, { webhookId: 'msg_retried', timestamp: Math.floor(Date.now() / 1000) + 1 });
      expect(retry.errors).toBeUndefined();
      expect(retry.data!.reportWorkerResult).toEqual({
        success: true,
        message: expect.stringMatching(/^Already recorded the result of agent-factory \(webhook-id msg_retried\): score 1 \(healthy\)\.$/),
      });
      expect(await workerRow(workerCheckUuid)).toEqual(row);
      expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 1 });
      expect(await countRows('webhook_deliveries')).toBe(1);
    });

    it('answers success after the run is over', async () => {
      const { healthCheckUuid, input } = await recorded();
      await env.DB.prepare("UPDATE health_checks SET status = 'completed' WHERE health_check_uuid = ?").bind(healthCheckUuid).run();
      const retry = await signedReport('agent-factory', input, { webhookId: 'msg_retried' });
      expect(retry.data!.reportWorkerResult).toMatchObject({ success: true, message: expect.stringMatching(/^Already recorded/) });
    });

    it('is CONFLICT when the same webhook-id carries another result', async () => {
      const { workerCheckUuid, row } = await recorded();
      const other = await signedReport('agent-factory', resultInput(workerCheckUuid, { uptimeSeconds: 99 }), { webhookId: 'msg_retried' });
      expect(codes(other)).toEqual(['CONFLICT']);
      expect(other.errors![0]!.message).toMatch(/already recorded .* with another result/);
      expect(await workerRow(workerCheckUuid)).toEqual(row);
    });

    it('is CONFLICT when the same result comes under another webhook-id', async () => {
      const { input } = await recorded();
      const other = await signedReport('agent-factory', input, { webhookId: 'msg_another' });
      expect(codes(other)).toEqual(['CONFLICT']);
    });

    it('is UNAUTHENTICATED when forged, stale or signed with another worker\'s secret', async () => {
      const { input } = await recorded();
      const now = Math.floor(Date.now() / 1000);
      const attempts = await Promise.all([
        signedReport('agent-factory', input, { webhookId: 'msg_retried', signature: 'v1,bm90IGEgcmVhbCBzaWduYXR1cmU=' }),
        signedReport('agent-factory', input, { webhookId: 'msg_retried', timestamp: now - 6 * 60 }),
        signedReport('agent-factory', input, { webhookId: 'msg_retried', secretOf: 'ui-factory' }),
      ]);
      for (const response of attempts) expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    });

    it('is logged by the SDK as delivered when the first answer was lost', async () => {
      const { healthCheckUuid, workerCheckUuid } = await runningCheck();
      const now = new Date().toISOString();
      const payload: WorkerResultPayload = {
        workerCheckUuid,
        uptimeSeconds: 3,
        memoryUsageMb: null,
        cpuUsagePercent: null,
        responseTimeMs: 20,
        orchestratorConnectivity: true,
        externalApiConnectivity: null,
        databaseConnectivity: null,
        unitTests: [{ name: 'works', status: 'passed', durationMs: 1 }],
        performanceTests: [],
        integrationTests: [],
        errorMessage: null,
        warnings: [],
        startedAt: now,
        completedAt: now,
      };
      const answers: string[] = [];
      const logged: { level: string; event: string }[] = [];
      const outcome = await deliverResult({
        payload,
        callbackUrl: 'http://orchestrator/graphql',
        secret: await deriveWorkerSecret(env.HEALTH_CHECK_SIGNING_KEY, 'agent-factory'),
        // The orchestrator records the first attempt, and its answer is lost on the way back.
        fetch: async (input, init) => {
          const response = await exports.default.fetch(new Request(input, init));
          answers.push(((await response.clone().json()) as any).data?.reportWorkerResult?.message ?? 'error');
          if (answers.length === 1) throw new Error('connection reset');
          return response;
        },
        log: {
          debug: (event) => logged.push({ level: 'debug', event }),
          warn: (event) => logged.push({ level: 'warn', event }),
        },
        sleep: async () => {},
      });
      expect(outcome).toMatchObject({ delivered: true, attempts: 2 });
      expect(answers).toEqual([expect.stringMatching(/^Recorded/), expect.stringMatching(/^Already recorded/)]);
      expect(logged).toEqual([
        { level: 'warn', event: 'delivery.retryable' },
        { level: 'debug', event: 'delivery.accepted' },
      ]);
      expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 1 });
    });
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

  it('answers an unknown worker check exactly like a bad signature, so uuids cannot be probed', async () => {
    const { workerCheckUuid } = await runningCheck();
    const unknown = crypto.randomUUID();
    const now = Math.floor(Date.now() / 1000);
    // Before: "…refused: no such worker check." for the unknown uuid, "…refused: No matching
    // signature found." for the existing one.
    const pairs = [
      // a genuine signature for an unknown check, a forged one for an existing check
      [signedReport('agent-factory', resultInput(unknown)), signedReport('agent-factory', resultInput(workerCheckUuid), { secretOf: 'ui-factory' })],
      // forged both
      [
        signedReport('agent-factory', resultInput(unknown), { signature: 'v1,bm90IGEgcmVhbCBzaWduYXR1cmU=' }),
        signedReport('agent-factory', resultInput(workerCheckUuid), { signature: 'v1,bm90IGEgcmVhbCBzaWduYXR1cmU=' }),
      ],
      // stale both
      [signedReport('agent-factory', resultInput(unknown), { timestamp: now - 600 }), signedReport('agent-factory', resultInput(workerCheckUuid), { timestamp: now - 600 })],
    ] as const;
    for (const [forUnknown, forExisting] of pairs) {
      const [a, b] = await Promise.all([forUnknown, forExisting]);
      expect(codes(a)).toEqual(['UNAUTHENTICATED']);
      expect(a).toEqual(b);
    }
    expect((await signedReport('agent-factory', resultInput(unknown))).errors![0]!.message).toBe("The result's signature was refused.");
    expect((await workerRow(workerCheckUuid))!.status).toBe('running');
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
