/**
 * The `/health-check/*` endpoints of a downstream worker (docs/worker-protocol.md). Route
 * `/health-check*` to `handleRequest` and the SDK does the rest.
 */
import { deliverResult } from './callback.js';
import { markIsolateStart } from './clock.js';
import { orchestratorFetch } from './connectivity.js';
import { createRunLog } from './debug-log.js';
import { LIMITS, parseExecuteRequest } from './protocol.js';
import { quickBody, statusBody } from './health-json.js';
import { newPayload } from './payload.js';
import { errorMessage } from './run-test.js';
import { assertWorkerSecret, verifyWebhook } from './signing.js';
import type { ExecuteRequest, RetryOptions, WorkerHealthCheckEnv, WorkerIdentity, WorkerResultPayload } from './types.js';
import { WorkerHealthCheck } from './worker-health-check.js';
import { readBody } from './read-body.js';

export type WorkerHealthCheckClass<E extends WorkerHealthCheckEnv> = new (env: E, identity: WorkerIdentity) => WorkerHealthCheck<E>;
export type WorkerHealthCheckFactory<E extends WorkerHealthCheckEnv> = (env: E, identity: WorkerIdentity) => WorkerHealthCheck<E>;

export interface HealthCheckHandlerOptions<E extends WorkerHealthCheckEnv = WorkerHealthCheckEnv> extends WorkerIdentity {
  /** Your `WorkerHealthCheck` subclass, or a function making one; default: the built-in checks only. */
  healthCheck?: WorkerHealthCheckClass<E> | WorkerHealthCheckFactory<E> | undefined;
  /** Backoff for delivering the result. */
  retry?: RetryOptions | undefined;
}

/** A dispatch is a few hundred bytes; nothing larger is read, let alone hashed. */
export const MAX_DISPATCH_BYTES = LIMITS.dispatchBytes;

const ROUTES: Record<string, 'GET' | 'POST'> = {
  '/health-check/execute': 'POST',
  '/health-check/status': 'GET',
  '/health-check/quick': 'GET',
};

export class HealthCheckHandler<E extends WorkerHealthCheckEnv = WorkerHealthCheckEnv> {
  constructor(
    private readonly env: E,
    private readonly options: HealthCheckHandlerOptions<E>,
  ) {
    markIsolateStart();
  }

  async handleRequest(request: Request, ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    const method = ROUTES[pathname];
    if (!method) return json({ error: `Not found: ${pathname}` }, 404);
    if (request.method !== method) return json({ error: `Method ${request.method} not allowed on ${pathname}; use ${method}` }, 405, { allow: method });

    switch (pathname) {
      case '/health-check/execute':
        return this.accept(request, ctx);
      case '/health-check/status': {
        const body = await statusBody(this.env, this.options);
        // The draft: 2xx for pass and warn, 5xx for fail, so plain HTTP monitors see the difference.
        return json(body, body.status === 'fail' ? 503 : 200, { 'content-type': 'application/health+json' });
      }
      default:
        return json(await quickBody(this.env, this.options), 200);
    }
  }

  /**
   * Checks the dispatch, answers 202 at once and runs the check after the answer. Nothing runs, and
   * nothing is called, unless the orchestrator signed this exact body with this worker's secret
   * (401), the body is valid (400), names this worker (403) and, without an `ORCHESTRATOR` binding,
   * calls back to the configured `ORCHESTRATOR_URL`'s origin (400).
   */
  private async accept(request: Request, ctx: ExecutionContext): Promise<Response> {
    const secret = this.env.HEALTH_CHECK_SECRET;
    try {
      assertWorkerSecret(secret);
    } catch (error) {
      // Without a secret no dispatch can be verified, nor any result accepted: say so now rather
      // than time out later.
      return json({ error: errorMessage(error) }, 503);
    }
    const text = await readBody(request, MAX_DISPATCH_BYTES);
    if (text === null) return json({ error: `The dispatch is larger than ${MAX_DISPATCH_BYTES} bytes` }, 413);
    // Before the body is even parsed: an unsigned caller learns nothing from validation errors.
    const refused = verifyWebhook(secret, request.headers, text);
    if (refused !== null) return json({ error: `The dispatch's signature was refused: ${refused}` }, 401);

    const parsed = parseExecuteRequest(text);
    if (!parsed.ok) return json({ error: parsed.error }, 400);
    const dispatch = parsed.value;
    if (dispatch.worker_name !== undefined && dispatch.worker_name !== this.options.workerName) {
      return json({ error: `This worker is ${JSON.stringify(this.options.workerName)}, not ${JSON.stringify(dispatch.worker_name)}` }, 403);
    }
    const misdirected = this.callbackRefusal(dispatch.callback_url);
    if (misdirected) return json({ error: misdirected.error }, misdirected.status);

    ctx.waitUntil(this.execute(dispatch));
    return json({ accepted: true, worker_check_uuid: dispatch.worker_check_uuid }, 202);
  }

  /**
   * Where the result may go. Over the `ORCHESTRATOR` binding it reaches the orchestrator whatever
   * the URL says; over plain fetch it goes only to `ORCHESTRATOR_URL`'s origin, when one is set.
   */
  private callbackRefusal(callbackUrl: string): { status: 400 | 503; error: string } | null {
    if (this.env.ORCHESTRATOR || !this.env.ORCHESTRATOR_URL) return null;
    let pinned: string;
    try {
      pinned = new URL(this.env.ORCHESTRATOR_URL).origin;
    } catch {
      return { status: 503, error: `ORCHESTRATOR_URL is not a URL: ${JSON.stringify(this.env.ORCHESTRATOR_URL)}` };
    }
    const origin = new URL(callbackUrl).origin;
    return origin === pinned ? null : { status: 400, error: `callback_url must be on ${pinned} (ORCHESTRATOR_URL), not ${origin}` };
  }

  /** Runs the check and delivers the signed result. Never rejects (it lives in `waitUntil`). */
  private async execute(dispatch: ExecuteRequest): Promise<void> {
    const log = createRunLog(dispatch.options.debug_mode, { worker_name: this.options.workerName, worker_check_uuid: dispatch.worker_check_uuid });
    const payload = await this.runCheck(dispatch);
    if (dispatch.deadline !== undefined && Date.now() > Date.parse(dispatch.deadline)) {
      payload.warnings.push(`Finished after the deadline ${dispatch.deadline}`);
    }
    const outcome = await deliverResult({
      payload,
      callbackUrl: dispatch.callback_url,
      secret: this.env.HEALTH_CHECK_SECRET,
      fetch: orchestratorFetch(this.env),
      log,
      retry: this.options.retry,
    });
    log.debug('execute.end', { ...outcome });
  }

  private async runCheck(dispatch: ExecuteRequest): Promise<WorkerResultPayload> {
    try {
      return await this.createHealthCheck().run({
        workerCheckUuid: dispatch.worker_check_uuid,
        includeUnitTests: dispatch.options.include_unit_tests,
        includePerformanceTests: dispatch.options.include_performance_tests,
        includeIntegrationTests: dispatch.options.include_integration_tests,
        debugMode: dispatch.options.debug_mode,
        orchestratorUrl: dispatch.callback_url,
      });
    } catch (error) {
      // The worker's checks could not even be constructed: report that, not silence.
      const payload = newPayload(dispatch.worker_check_uuid);
      payload.errorMessage = errorMessage(error);
      payload.completedAt = new Date().toISOString();
      return payload;
    }
  }

  private createHealthCheck(): WorkerHealthCheck<E> {
    const make = this.options.healthCheck;
    if (!make) return new WorkerHealthCheck(this.env, this.options);
    if (make === WorkerHealthCheck || make.prototype instanceof WorkerHealthCheck) {
      return new (make as WorkerHealthCheckClass<E>)(this.env, this.options);
    }
    return (make as WorkerHealthCheckFactory<E>)(this.env, this.options);
  }
}

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
}
