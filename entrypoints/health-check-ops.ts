import { WorkerEntrypoint } from 'cloudflare:workers';
import { createOperationDeps } from '../durable/operation-deps';
import type { OperationDeps } from '../operations/deps';
import { OperationError } from '../operations/errors';
import { initiateHealthCheck } from '../operations/initiate';
import { recordWorkerResult } from '../operations/record-result';
import { getHealthCheckHistory, getHealthCheckStatus } from '../operations/status';
import { historyAnswer, statusAnswer } from './rpc-answers';
import { initiateAnswer, initiateInputFrom, workerResultFrom, type InitiateParams, type WorkerResultParams } from './rpc-params';

/**
 * RPC for other Workers over a service binding (the seed's HealthCheckOps), over the same
 * operations as GraphQL, with the seed's snake_case mapped in (rpc-params.ts) and out
 * (rpc-answers.ts). A service binding is its own authentication: only Workers the deployment binds
 * can call it. Errors keep their CONTRACT.md code in the message prefix.
 */
export class HealthCheckOps extends WorkerEntrypoint<Env> {
  private deps(): OperationDeps {
    return createOperationDeps(this.env, (promise) => this.ctx.waitUntil(promise));
  }

  private async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof OperationError) throw new Error(`${error.code}: ${error.message}`);
      console.error(error);
      throw new Error('INTERNAL_SERVER_ERROR: the operation failed unexpectedly.');
    }
  }

  initiateHealthCheck(params: InitiateParams = {}) {
    return this.run(async () => initiateAnswer(await initiateHealthCheck(this.deps(), initiateInputFrom(params))));
  }

  getHealthCheckStatus(uuid: string) {
    return this.run(async () => statusAnswer(await getHealthCheckStatus(this.deps().db, uuid)));
  }

  getHealthCheckHistory(page = 1, limit = 20, triggerType?: 'on_demand' | 'cron') {
    return this.run(async () => historyAnswer(await getHealthCheckHistory(this.deps().db, page, limit, triggerType)));
  }

  /**
   * A result from a bound worker: trusted by the binding (no signature), validated by the same
   * protocol schema as a signed callback.
   */
  receiveHealthCheckResult(workerCheckUuid: string, results: WorkerResultParams) {
    return this.run(async () => {
      const deps = this.deps();
      const recorded = await recordWorkerResult(deps, workerCheckUuid, workerResultFrom(results));
      return { success: recorded.success, message: recorded.message };
    });
  }
}
