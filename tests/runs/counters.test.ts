import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { createDb } from '../../db/client';
import type { WorkerCheckStatus } from '../../db/worker-health-checks';
import { recountRun } from '../../operations/run-counters';
import { countsForRun } from '../../domain/scoring';
import { seedRun } from '../helpers/fixtures';
import { runRow } from './helpers';

it('counts in SQL exactly as countsForRun does', async () => {
  const workers: { status: WorkerCheckStatus; healthScore: number }[] = [
    { status: 'completed', healthScore: 1 },
    { status: 'completed', healthScore: 0.7 },
    { status: 'completed', healthScore: 0.6999 },
    { status: 'completed', healthScore: 0 },
    { status: 'failed', healthScore: 0 },
    { status: 'timeout', healthScore: 0 },
    { status: 'running', healthScore: 0 },
    { status: 'pending', healthScore: 0 },
  ];
  const uuid = await seedRun({ status: 'running' }, workers);
  await recountRun(createDb(env.DB), uuid);
  const expected = countsForRun(workers);
  expect(await runRow(uuid)).toMatchObject({
    completed_workers: expected.completedWorkers,
    passed_workers: expected.passedWorkers,
    failed_workers: expected.failedWorkers,
  });
  expect(expected).toEqual({ completedWorkers: 6, passedWorkers: 2, failedWorkers: 4 });
});
