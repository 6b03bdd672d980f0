import type { RunControl } from '../operations/deps';
import type { RecordOutcome } from '../operations/run-ledger-types';

/** Reaches a run's Durable Object over the generated HEALTH_CHECK_RUN binding, named by the run's uuid. */
export function createRunControl(env: Env): RunControl {
  const stub = (healthCheckUuid: string) => env.HEALTH_CHECK_RUN.get(env.HEALTH_CHECK_RUN.idFromName(healthCheckUuid));
  return {
    startRun: (healthCheckUuid) => ({ start: (params) => stub(healthCheckUuid).start(params) }),
    // Again, on a fresh stub, when the call fails: the object may have been reset (a deploy, an
    // eviction, a crash) with the call in flight. Safe to repeat: the ledger answers a signed
    // result it took already as a retry (by its webhook-id); over RPC, as already recorded.
    recordResult: (healthCheckUuid, submission) => withRetries(async (): Promise<RecordOutcome> => stub(healthCheckUuid).recordResult(healthCheckUuid, submission)),
    cancelRun: (healthCheckUuid) => stub(healthCheckUuid).cancel(healthCheckUuid),
  };
}

/** Attempts at a call to a run's object before its failure is the caller's. */
const RUN_CALL_ATTEMPTS = 4;

async function withRetries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= RUN_CALL_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 4 ** (attempt - 1)));
    }
  }
}
