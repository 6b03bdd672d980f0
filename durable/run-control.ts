import type { RunControl } from '../operations/deps';

/** Reaches a run's Durable Object over the generated HEALTH_CHECK_RUN binding, named by the run's uuid. */
export function createRunControl(env: Env): RunControl {
  const stub = (healthCheckUuid: string) => env.HEALTH_CHECK_RUN.get(env.HEALTH_CHECK_RUN.idFromName(healthCheckUuid));
  return {
    startRun: (healthCheckUuid) => ({ start: (params) => stub(healthCheckUuid).start(params) }),
    notifyRun: (healthCheckUuid) => stub(healthCheckUuid).resultRecorded(),
    stopRun: (healthCheckUuid) => stub(healthCheckUuid).stop(),
  };
}
