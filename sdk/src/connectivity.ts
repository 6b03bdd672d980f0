/**
 * Connectivity probes. Each answers a yes/no about one dependency and never throws: a probe that
 * cannot reach its target reports `false` and why.
 */
import { now } from './clock.js';
import { errorMessage } from './run-test.js';
import type { WorkerHealthCheckEnv } from './types.js';

export const DEFAULT_PROBE_TIMEOUT_MS = 5000;

export interface ProbeResult {
  ok: boolean;
  /** Measured round trip, milliseconds. */
  latencyMs: number;
  /** Why it is not ok. */
  error?: string;
}

/**
 * Where the orchestrator is: the given URL (the execute request's callback URL), else
 * `ORCHESTRATOR_URL`, else, with a service binding, any URL (a binding ignores the host).
 */
export function orchestratorBaseUrl(env: WorkerHealthCheckEnv, preferred?: string): string | undefined {
  const candidate = preferred ?? env.ORCHESTRATOR_URL;
  if (candidate) return candidate;
  return env.ORCHESTRATOR ? 'https://orchestrator.internal' : undefined;
}

/** `GET /health` on the orchestrator, over the `ORCHESTRATOR` binding when there is one; 200 = ok. */
export async function probeOrchestrator(env: WorkerHealthCheckEnv, baseUrl: string | undefined, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  if (!baseUrl) return { ok: false, latencyMs: 0, error: 'No orchestrator configured: set the ORCHESTRATOR binding or ORCHESTRATOR_URL' };
  const url = new URL('/health', baseUrl);
  return timed(async () => {
    const response = await orchestratorFetch(env)(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status === 200 ? undefined : `GET ${url.pathname} answered ${response.status}`;
  });
}

/** `SELECT 1` on the worker's D1 database. */
export async function probeDatabase(db: D1Database): Promise<ProbeResult> {
  return timed(async () => {
    const row = await db.prepare('SELECT 1 AS ok').first<{ ok: number }>();
    return row?.ok === 1 ? undefined : 'SELECT 1 returned no row';
  });
}

/** A GET on an external API; reachable when it answers anything but a server error (5xx). */
export async function probeExternalApi(url: string, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  return timed(async () => {
    const response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status < 500 ? undefined : `GET ${url} answered ${response.status}`;
  });
}

/** The function to call the orchestrator with: its service binding, else the global fetch. */
export function orchestratorFetch(env: WorkerHealthCheckEnv): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  const binding = env.ORCHESTRATOR;
  return binding ? (input, init) => binding.fetch(input, init) : (input, init) => fetch(input, init);
}

async function timed(probe: () => Promise<string | undefined>): Promise<ProbeResult> {
  const started = now();
  try {
    const error = await probe();
    const latencyMs = now() - started;
    return error === undefined ? { ok: true, latencyMs } : { ok: false, latencyMs, error };
  } catch (error) {
    return { ok: false, latencyMs: now() - started, error: errorMessage(error) };
  }
}
