import { uptimeSeconds } from './clock.js';
import type { WorkerResultPayload } from './types.js';

/** A result with nothing measured yet: no connectivity, empty suites, no error. */
export function newPayload(workerCheckUuid: string): WorkerResultPayload {
  return {
    workerCheckUuid,
    uptimeSeconds: uptimeSeconds(),
    // A Worker has no API for its memory or CPU use; reporting a guess would be a lie.
    memoryUsageMb: null,
    cpuUsagePercent: null,
    responseTimeMs: null,
    orchestratorConnectivity: false,
    externalApiConnectivity: null,
    databaseConnectivity: null,
    unitTests: [],
    performanceTests: [],
    integrationTests: [],
    errorMessage: null,
    warnings: [],
    startedAt: new Date().toISOString(),
    completedAt: '',
  };
}
