/**
 * Runs held open, as a dispatch leaves them (running, every worker check running), then moved by
 * the real pipeline on demand: a worker's signed result publishes WORKER_RESULT, a cancel
 * publishes COMPLETED. Deterministic where a fleet run is over in half a second.
 */
import { expect } from 'vitest';
import { seedRun } from '../helpers/fixtures';
import { gql } from '../helpers/graphql';
import { FLEET, resultInput, signedReport } from '../runs/helpers';

export interface HeldRun {
  healthCheckUuid: string;
  checks: { workerName: string; workerCheckUuid: string }[];
}

export async function heldRun(workers = 1): Promise<HeldRun> {
  const checks = FLEET.slice(0, workers).map((worker) => ({ workerName: worker.name, workerType: worker.type, workerCheckUuid: crypto.randomUUID() }));
  const healthCheckUuid = await seedRun(
    { status: 'running', startedAt: new Date() },
    checks.map((check) => ({ ...check, status: 'running' as const })),
  );
  return { healthCheckUuid, checks };
}

/** The worker's signed result, through POST /graphql (reportWorkerResult). */
export async function report(run: HeldRun, index = 0): Promise<void> {
  const check = run.checks[index]!;
  const response = await signedReport(check.workerName, resultInput(check.workerCheckUuid));
  expect(response.errors).toBeUndefined();
}

export async function cancel(run: HeldRun): Promise<void> {
  const response = await gql('mutation ($uuid: ID!) { cancelHealthCheck(uuid: $uuid) { status } }', { uuid: run.healthCheckUuid });
  expect(response.errors).toBeUndefined();
}
