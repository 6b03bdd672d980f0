import { afterEach, expect, it, vi } from 'vitest';
import { initiate, register, FLEET, waitForRun } from './helpers';

afterEach(() => vi.restoreAllMocks());

/** The structured log lines the orchestrator wrote for one run. */
function linesFor(spy: ReturnType<typeof vi.spyOn>, uuid: string) {
  return spy.mock.calls
    .map((call: unknown[]) => call[0])
    .filter((line: unknown): line is string => typeof line === 'string' && line.startsWith('{'))
    .map((line: string) => JSON.parse(line))
    .filter((entry: any) => entry.healthCheckUuid === uuid);
}

it('logs verbose, structured lines for a debug run only', async () => {
  const log = vi.spyOn(console, 'log');
  await register([FLEET[0]!]);
  const quiet = await initiate();
  await waitForRun(quiet);
  const verbose = await initiate({ debugMode: true });
  await waitForRun(verbose);

  expect(linesFor(log, quiet)).toEqual([]);
  const events = linesFor(log, verbose).map((entry: any) => entry.event);
  expect(events).toContain('health_check.initiated');
  expect(events).toContain('health_check.dispatch');
  const dispatch = linesFor(log, verbose).find((entry: any) => entry.event === 'health_check.dispatch');
  expect(dispatch).toMatchObject({ worker: 'agent-factory', outcome: { accepted: true } });
});
