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

/** How long a run may stay RUNNING once the fleet's last callback was answered (the run object re-checks every minute). */
export const END_GRACE_MS = 150_000;

/**
 * Waits until the run is no longer RUNNING, reading it through the bench route (raw D1, so the
 * statement count is not touched): every `idleMs` while the fleet still has callbacks to send,
 * every 10 ms once the last callback was answered. Answers the final state and when it was seen.
 * Throws after `timeoutMs`, or END_GRACE_MS after the fleet is done.
 */
export async function waitForEnd(
  baseUrl: string,
  uuid: string,
  fleetDone: () => boolean,
  timeoutMs: number,
  idleMs = 500,
): Promise<{ state: RunState; endedAt: number }> {
  const deadline = performance.now() + timeoutMs;
  let doneAt: number | null = null;
  for (;;) {
    const done = fleetDone();
    if (done) doneAt ??= performance.now();
    const state = await runState(baseUrl, uuid);
    if (state && state.status !== 'running') return { state, endedAt: performance.now() };
    if (performance.now() > deadline) throw new Error(`run ${uuid} still running after ${timeoutMs / 1000} s: ${JSON.stringify(state)}`);
    if (doneAt !== null && performance.now() - doneAt > END_GRACE_MS) {
      throw new Error(`run ${uuid} still running ${END_GRACE_MS / 1000} s after the fleet's last callback was answered: ${JSON.stringify(state)}`);
    }
    await sleep(done ? 10 : idleMs);
  }
}

/** Ends a run that will not end by itself, so it does not weigh on what is measured next. */
export async function cancel(baseUrl: string, key: string, uuid: string): Promise<void> {
  await gql(baseUrl, key, 'mutation Cancel($uuid: ID!) { cancelHealthCheck(uuid: $uuid) { status } }', { uuid }).catch(() => {});
}
