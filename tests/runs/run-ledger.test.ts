import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { routedCallbackUrl } from '../../operations/callback-route';
import { flushRows } from '../../operations/flush-results';
import { endedRow } from '../../operations/result-row';
import { seedRun } from '../helpers/fixtures';
import { codes, gql, keyFor } from '../helpers/graphql';
import { resultInput, runRow, signedReport } from './helpers';

/** A running run of `n` running checks, named w-0.., written to D1 as a dispatch leaves it. */
async function runningRun(n: number) {
  const names = Array.from({ length: n }, (_, i) => `w-${i}`);
  const healthCheckUuid = await seedRun({ status: 'running', totalWorkers: n }, names.map((workerName) => ({ workerName, status: 'running' as const })));
  const { results } = await env.DB.prepare('SELECT worker_check_uuid, worker_name FROM worker_health_checks WHERE health_check_uuid = ? ORDER BY id')
    .bind(healthCheckUuid)
    .all<{ worker_check_uuid: string; worker_name: string }>();
  return { healthCheckUuid, checks: results.map((row) => ({ uuid: row.worker_check_uuid, name: row.worker_name })) };
}

const url = (healthCheckUuid: string, workerName: string) => routedCallbackUrl('http://orchestrator/graphql', healthCheckUuid, workerName);

async function sequences(healthCheckUuid: string) {
  const { results } = await env.DB.prepare('SELECT result_sequence AS s FROM worker_health_checks WHERE health_check_uuid = ? AND result_sequence IS NOT NULL ORDER BY s')
    .bind(healthCheckUuid)
    .all<{ s: number }>();
  return results.map((row) => row.s);
}

describe("the run's ledger", () => {
  it('takes 60 results sent at once each exactly once, numbered 2..61 with no gap, with exact counters', async () => {
    const { healthCheckUuid, checks } = await runningRun(60);
    const responses = await Promise.all(
      checks.map((check, i) =>
        signedReport(check.name, resultInput(check.uuid, i % 3 === 0 ? { unitTests: [{ name: 'x', status: 'FAILED', durationMs: 1 }], orchestratorConnectivity: false } : {}), {
          url: url(healthCheckUuid, check.name),
        }),
      ),
    );
    expect(responses.map((response) => response.data?.reportWorkerResult?.message.slice(0, 8))).toEqual(checks.map(() => 'Recorded'));
    expect(await sequences(healthCheckUuid)).toEqual(Array.from({ length: 60 }, (_, i) => i + 2));
    expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 60, passed_workers: 40, failed_workers: 20 });
  });

  it('refuses a callback whose URL names another run or another worker exactly like a bad signature, changing nothing', async () => {
    const { healthCheckUuid, checks } = await runningRun(2);
    const other = await runningRun(1);
    const [first, second] = checks;
    const refused = await Promise.all([
      // Signed by w-0 for its own check, but routed to another run.
      signedReport(first!.name, resultInput(first!.uuid), { url: url(other.healthCheckUuid, first!.name) }),
      // Signed by w-1, routed as w-1, but for w-0's check.
      signedReport(second!.name, resultInput(first!.uuid), { url: url(healthCheckUuid, second!.name) }),
      // Routed as w-1 while signed by w-0: the signature does not verify.
      signedReport(first!.name, resultInput(first!.uuid), { url: url(healthCheckUuid, second!.name) }),
    ]);
    for (const response of refused) {
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.errors![0]!.message).toBe("The result's signature was refused.");
    }
    expect(await sequences(healthCheckUuid)).toEqual([]);
    expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 0 });
  });

  it('a cancel racing results: each result answered as recorded is in D1, each other one is CONFLICT, and the counters are the rows', async () => {
    const { healthCheckUuid, checks } = await runningRun(40);
    const operator = await keyFor('operator');
    const [cancel, ...responses] = await Promise.all([
      new Promise((resolve) => setTimeout(resolve, 5)).then(() => gql('mutation ($uuid: ID!) { cancelHealthCheck(uuid: $uuid) { status } }', { uuid: healthCheckUuid }, { key: operator })),
      ...checks.map((check) => signedReport(check.name, resultInput(check.uuid), { url: url(healthCheckUuid, check.name) })),
    ]);
    expect(codes(cancel as Parameters<typeof codes>[0])).toEqual([]);
    const { results: rows } = await env.DB.prepare('SELECT worker_check_uuid AS uuid, status, result_sequence AS s FROM worker_health_checks WHERE health_check_uuid = ?')
      .bind(healthCheckUuid)
      .all<{ uuid: string; status: string; s: number }>();
    const status = new Map(rows.map((row) => [row.uuid, row.status]));
    checks.forEach((check, i) => {
      const response = responses[i]!;
      if (response.data?.reportWorkerResult?.success) expect(status.get(check.uuid)).toBe('completed');
      else {
        expect(codes(response)).toEqual(['CONFLICT']);
        expect(status.get(check.uuid)).toBe('failed');
      }
    });
    // Every worker has one number of the run's story, 2..41, whoever ended it.
    expect(rows.map((row) => row.s).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
    const completed = rows.filter((row) => row.status === 'completed').length;
    expect(await runRow(healthCheckUuid)).toEqual({ status: 'cancelled', completed_workers: 40, passed_workers: completed, failed_workers: 40 - completed });
  });

  it('a flush repeated after a crash (D1 took it, the ledger never heard) writes the same rows again and takes them again', async () => {
    const { healthCheckUuid, checks } = await runningRun(2);
    const db = createDb(env.DB);
    const rows = checks.map((check, i) => ({ workerCheckUuid: check.uuid, sequence: i + 2, webhookId: `msg_${i}`, columns: endedRow('failed', 'unreachable') }));
    const counters = { completedWorkers: 2, passedWorkers: 0, failedWorkers: 2 };
    expect([...(await flushRows(db, healthCheckUuid, rows, counters))].sort()).toEqual(checks.map((check) => check.uuid).sort());
    expect([...(await flushRows(db, healthCheckUuid, rows, counters))].sort()).toEqual(checks.map((check) => check.uuid).sort());
    expect(await sequences(healthCheckUuid)).toEqual([2, 3]);
    const deliveries = await env.DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id IN ('msg_0', 'msg_1')").first<{ n: number }>();
    expect(deliveries!.n).toBe(2);
    expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 2, failed_workers: 2 });
  });

  it('a result whose check was ended in D1 by another writer meanwhile is CONFLICT, and the run takes no more', async () => {
    const { healthCheckUuid, checks } = await runningRun(2);
    const [first, second] = checks;
    // The object learns of the run (the first result), then the run is ended in D1 behind its back.
    expect((await signedReport(first!.name, resultInput(first!.uuid), { url: url(healthCheckUuid, first!.name) })).errors).toBeUndefined();
    await env.DB.prepare("UPDATE health_checks SET status = 'timeout' WHERE health_check_uuid = ?").bind(healthCheckUuid).run();
    await env.DB.prepare("UPDATE worker_health_checks SET status = 'timeout', result_sequence = 3 WHERE worker_check_uuid = ?").bind(second!.uuid).run();
    const late = await signedReport(second!.name, resultInput(second!.uuid), { url: url(healthCheckUuid, second!.name) });
    expect(codes(late)).toEqual(['CONFLICT']);
    expect(late.errors![0]!.message).toMatch(/already timeout; the result of w-1 came too late/);
    const row = await env.DB.prepare('SELECT status FROM worker_health_checks WHERE worker_check_uuid = ?').bind(second!.uuid).first<{ status: string }>();
    expect(row!.status).toBe('timeout');
  });

  it('takes over a run it never started from D1: a retry of a result recorded before is answered as one', async () => {
    const { healthCheckUuid, checks } = await runningRun(2);
    const [first] = checks;
    const input = resultInput(first!.uuid);
    const recorded = await signedReport(first!.name, input, { webhookId: 'msg_before' });
    expect(recorded.errors).toBeUndefined();
    // The object's storage is gone (as for a run started by the version before the ledger): the
    // next result makes it read the run from D1.
    const stub = env.HEALTH_CHECK_RUN.get(env.HEALTH_CHECK_RUN.idFromName(healthCheckUuid));
    await runInDurableObject(stub, async (_instance, state) => {
      state.storage.sql.exec('DROP TABLE ledger_outbox; DROP TABLE ledger_targets; DROP TABLE ledger_run');
    });
    await evictDurableObject(stub);
    const retry = await signedReport(first!.name, input, { webhookId: 'msg_before' });
    expect(retry.data!.reportWorkerResult.message).toMatch(/^Already recorded the result of w-0/);
    expect(await runRow(healthCheckUuid)).toMatchObject({ completed_workers: 1 });
  });
});
