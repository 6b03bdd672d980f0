import type { RunStartParams } from '../operations/initiate';

/** The slice of the HealthCheckRun namespace the operations use (durable/ is not imported here). */
interface RunNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): {
    start(params: RunStartParams): Promise<void>;
    resultRecorded(): Promise<void>;
    stop(): Promise<void>;
  };
}

/** Reaches a run's Durable Object, named by the run's uuid. */
export function createRunControl(env: Env) {
  const namespace = (env as unknown as { HEALTH_CHECK_RUN: RunNamespace }).HEALTH_CHECK_RUN;
  const stub = (healthCheckUuid: string) => namespace.get(namespace.idFromName(healthCheckUuid));
  return {
    startRun: (healthCheckUuid: string) => ({ start: (params: RunStartParams) => stub(healthCheckUuid).start(params) }),
    notifyRun: (healthCheckUuid: string) => stub(healthCheckUuid).resultRecorded(),
    stopRun: (healthCheckUuid: string) => stub(healthCheckUuid).stop(),
  };
}

export type RunControl = ReturnType<typeof createRunControl>;
