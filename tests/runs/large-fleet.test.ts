import { expect, it } from 'vitest';
import { gql } from '../helpers/graphql';
import { FLEET, initiate, register, waitForRun } from './helpers';

it('dispatches a fleet of 200 workers in batches, none lost to subrequest limits', { timeout: 60_000 }, async () => {
  // agent-factory, and 199 registry entries served by the test-only silent worker, which accepts
  // a dispatch only when it is signed for the name it carries, and never reports. Only
  // "agent-factory" is recorded; the rest stay RUNNING, which proves each was dispatched, signed
  // for its own name and accepted (a dispatch that failed or was refused would be FAILED).
  await register([
    FLEET[0]!,
    ...Array.from({ length: 199 }, (_, i) => ({ name: `clone-${String(i).padStart(3, '0')}`, type: 'clone', binding: 'SILENT_WORKER' })),
  ]);
  const uuid = await initiate({ includeUnitTests: false, includePerformanceTests: false, includeIntegrationTests: false });
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
  expect(run.totalWorkers).toBe(200);
  const counts = run.workerResults.reduce<Record<string, number>>((acc, w) => ({ ...acc, [w.status]: (acc[w.status] ?? 0) + 1 }), {});
  expect(counts).toEqual({ COMPLETED: 1, RUNNING: 199 });
});
