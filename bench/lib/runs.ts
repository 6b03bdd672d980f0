/** Registering the simulated fleet and driving runs through the public API. */
import type { SimFleet } from './fleet';
import { gql, pool, sleep } from './graphql';

export interface RunState {
  status: string;
  totalWorkers: number;
  completedWorkers: number;
  passedWorkers: number;
  failedWorkers: number;
  completedAt: string | null;
  rows: Record<string, number>;
}

/** The fleet's workers are named bw-<group>-<n> with type = group, so a run picks groups by workerFilters. */
export const workerName = (group: string, index: number) => `bw-${group}-${String(index).padStart(5, '0')}`;

const REGISTER = 'mutation Register($input: RegisterWorkerInput!) { registerWorker(input: $input) { name } }';

/** Registers `count` workers of `group` through registerWorker, at `concurrency`. */
export async function registerGroup(baseUrl: string, key: string, fleet: SimFleet, group: string, count: number, concurrency = 4): Promise<void> {
  await pool(count, concurrency, async (index) => {
    const name = workerName(group, index);
    await gql(baseUrl, key, REGISTER, { input: { name, type: group, url: fleet.urlFor(name) } });
  });
}

export async function runState(baseUrl: string, uuid: string): Promise<RunState | null> {
  const response = await fetch(`${baseUrl}/__bench/run/${uuid}`);
  if (!response.ok) throw new Error(`/__bench/run answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as RunState | null;
}

export async function initiate(baseUrl: string, key: string, groups: string[]): Promise<{ uuid: string; totalWorkers: number }> {
  const data = await gql<{ initiateHealthCheck: { healthCheckUuid: string; totalWorkers: number } }>(
    baseUrl,
    key,
    'mutation Start($input: InitiateHealthCheckInput!) { initiateHealthCheck(input: $input) { healthCheckUuid totalWorkers } }',
    { input: { workerFilters: groups, triggerSource: 'bench' } },
  );
  return { uuid: data.initiateHealthCheck.healthCheckUuid, totalWorkers: data.initiateHealthCheck.totalWorkers };
}

/**
 * Waits until the run is no longer RUNNING, reading it through the bench route (raw D1, so the
 * statement count is not touched): every `idleMs` while the fleet still has callbacks to send,
 * every 10 ms once the last callback was answered. Answers the final state and when it was seen.
 */
export async function waitForEnd(
  baseUrl: string,
  uuid: string,
  fleetDone: () => boolean,
  timeoutMs: number,
  idleMs = 500,
): Promise<{ state: RunState; endedAt: number }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const done = fleetDone();
    const state = await runState(baseUrl, uuid);
    if (state && state.status !== 'running') return { state, endedAt: performance.now() };
    if (performance.now() > deadline) throw new Error(`run ${uuid} still running after ${timeoutMs / 1000} s: ${JSON.stringify(state)}`);
    await sleep(done ? 10 : idleMs);
  }
}
