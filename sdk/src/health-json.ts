/**
 * The read-only endpoints: `GET /health-check/status` (the IETF "Health Check Response Format for
 * HTTP APIs" draft, `application/health+json`, plus the seed's fields) and `GET /health-check/quick`.
 */
import { now, uptimeSeconds } from './clock.js';
import { DEFAULT_PROBE_TIMEOUT_MS, orchestratorBaseUrl, probeDatabase, probeExternalApi, probeOrchestrator, type ProbeResult } from './connectivity.js';
import type { WorkerHealthCheckEnv, WorkerIdentity } from './types.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One entry of the draft's `checks` object. */
export interface HealthCheckEntry {
  componentType: string;
  observedValue?: number;
  observedUnit?: string;
  status: CheckStatus;
  time: string;
  output?: string;
}

export interface StatusBody {
  status: CheckStatus;
  serviceId: string;
  description: string;
  checks: Record<string, HealthCheckEntry[]>;
  worker_name: string;
  worker_type: string;
  uptime_seconds: number;
  orchestrator_available: boolean;
  timestamp: string;
}

export interface QuickBody {
  worker_name: string;
  worker_type: string;
  status: 'healthy' | 'degraded';
  response_time_ms: number;
  orchestrator_connectivity: boolean;
  timestamp: string;
}

/**
 * The worker's own view of its health. A broken database fails it (the worker cannot do its job);
 * an unreachable orchestrator or external API only warns (the worker still serves).
 */
export async function statusBody(env: WorkerHealthCheckEnv, identity: WorkerIdentity): Promise<StatusBody> {
  const timeoutMs = identity.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const externalApiUrl = identity.externalApiUrl ?? env.EXTERNAL_API_URL;
  const [orchestrator, database, externalApi] = await Promise.all([
    probeOrchestrator(env, orchestratorBaseUrl(env), timeoutMs),
    env.DB ? probeDatabase(env.DB) : undefined,
    externalApiUrl ? probeExternalApi(externalApiUrl, timeoutMs) : undefined,
  ]);
  const time = new Date().toISOString();
  const uptime = uptimeSeconds();

  const checks: Record<string, HealthCheckEntry[]> = {
    'orchestrator:connectivity': [entry('component', orchestrator, 'warn', time)],
    uptime: [{ componentType: 'system', observedValue: uptime, observedUnit: 's', status: 'pass', time }],
  };
  if (database) checks['database:connectivity'] = [entry('datastore', database, 'fail', time)];
  if (externalApi) checks['external-api:connectivity'] = [entry('component', externalApi, 'warn', time)];

  const statuses = Object.values(checks).flatMap((list) => list.map((check) => check.status));
  const status: CheckStatus = statuses.includes('fail') ? 'fail' : statuses.includes('warn') ? 'warn' : 'pass';
  return {
    status,
    serviceId: identity.workerName,
    description: `${identity.workerType} worker "${identity.workerName}"`,
    checks,
    worker_name: identity.workerName,
    worker_type: identity.workerType,
    uptime_seconds: uptime,
    orchestrator_available: orchestrator.ok,
    timestamp: time,
  };
}

/** The lightweight check: one orchestrator round trip, timed from start to answer. */
export async function quickBody(env: WorkerHealthCheckEnv, identity: WorkerIdentity): Promise<QuickBody> {
  const started = now();
  const orchestrator = await probeOrchestrator(env, orchestratorBaseUrl(env), identity.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);
  return {
    worker_name: identity.workerName,
    worker_type: identity.workerType,
    status: orchestrator.ok ? 'healthy' : 'degraded',
    response_time_ms: Math.round(now() - started),
    orchestrator_connectivity: orchestrator.ok,
    timestamp: new Date().toISOString(),
  };
}

function entry(componentType: string, probe: ProbeResult, statusWhenDown: CheckStatus, time: string): HealthCheckEntry {
  const check: HealthCheckEntry = {
    componentType,
    observedValue: Math.round(probe.latencyMs),
    observedUnit: 'ms',
    status: probe.ok ? 'pass' : statusWhenDown,
    time,
  };
  if (!probe.ok && probe.error) check.output = probe.error;
  return check;
}
