import { afterEach, expect, it } from 'vitest';
import { dispatchProbe } from '../../durable/health-check-run';
import { DISPATCH_BATCH_SIZE } from '../../durable/run-plan';
import { gql } from '../helpers/graphql';
import { FLEET, initiate, register, waitForRun } from './helpers';

afterEach(() => {
  dispatchProbe.observe = undefined;
});

/** Polls until no worker is PENDING (bounded), then counts the workers by status. */
async function dispatchedCounts(uuid: string) {
  const statuses = async () => {
    const response = await gql('query ($uuid: ID!) { healthCheck(uuid: $uuid) { totalWorkers workerResults { status } } }', { uuid });
    return response.data!.healthCheck as { totalWorkers: number; workerResults: { status: string }[] };
  };
  await waitForRun(uuid, () => true, 1); // the run exists
  const deadline = Date.now() + 50_000;
  let run = await statuses();
  while (run.workerResults.some((w) => w.status === 'PENDING') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    run = await statuses();
  }
  const counts = run.workerResults.reduce<Record<string, number>>((acc, w) => ({ ...acc, [w.status]: (acc[w.status] ?? 0) + 1 }), {});
  return { total: run.totalWorkers, counts };
}

const clones = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `clone-${String(i).padStart(3, '0')}`, type: 'clone', binding: 'SILENT_WORKER' }));
const NO_SUITES = { includeUnitTests: false, includePerformanceTests: false, includeIntegrationTests: false };

it('a fleet of 200 whose run object dies in the middle of a batch mid-fleet: none stranded', { timeout: 60_000 }, async () => {
  await register([FLEET[0]!, ...clones(199)]);
  // Killed once, in the fourth batch, after ten of its sends began: the rest of that batch and
  // the four batches after it are still dispatched.
  let sends = 0;
  let killed = false;
  dispatchProbe.observe = async (instant, ctx) => {
    if (instant.at !== 'sending' || killed || ++sends !== 3 * DISPATCH_BATCH_SIZE + 10) return;
    killed = true;
    await ctx.storage.sync();
    ctx.abort('killed mid-fleet');
  };
  const uuid = await initiate(NO_SUITES);
  const { total, counts } = await dispatchedCounts(uuid);
  expect(killed).toBe(true);
  expect(total).toBe(200);
  expect(counts).toEqual({ COMPLETED: 1, RUNNING: 199 });
});

it('dispatches a fleet of 200 workers in batches, none lost to subrequest limits', { timeout: 60_000 }, async () => {
  // agent-factory, and 199 registry entries served by the test-only silent worker, which accepts
  // a dispatch only when it is signed for the name it carries, and never reports. Only
  // "agent-factory" is recorded; the rest stay RUNNING, which proves each was dispatched, signed
  // for its own name and accepted (a dispatch that failed or was refused would be FAILED).
  await register([FLEET[0]!, ...clones(199)]);
  const uuid = await initiate(NO_SUITES);
  const { total, counts } = await dispatchedCounts(uuid);
  expect(total).toBe(200);
  expect(counts).toEqual({ COMPLETED: 1, RUNNING: 199 });
});
