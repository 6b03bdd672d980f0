/**
 * A test-only worker that accepts every properly signed dispatch (202) and never reports: what a
 * worker that hangs after accepting looks like to the orchestrator. Bundled and run beside the
 * orchestrator by tests/setup/fleet-workers.ts, reached as the `SILENT_WORKER` service binding.
 *
 * It serves any number of registry names, so it verifies each dispatch with the secret of the
 * worker the body names, derived from the orchestrator's signing key as the orchestrator does, and
 * refuses (401) one not signed with it, like a real worker. It checks with `standardwebhooks`
 * directly, not through the SDK, so an SDK bug cannot hide an orchestrator one.
 */
import { Webhook } from 'standardwebhooks';
import { deriveWorkerSecret } from '../../sdk/src/signing';

interface SilentEnv {
  HEALTH_CHECK_SIGNING_KEY: string;
}

export default {
  async fetch(request, env): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method !== 'POST' || pathname !== '/health-check/execute') return Response.json({ error: 'Not found' }, { status: 404 });
    const body = await request.text();
    let dispatch: { worker_check_uuid?: unknown; worker_name?: unknown };
    try {
      dispatch = JSON.parse(body);
    } catch {
      return Response.json({ error: 'not JSON' }, { status: 400 });
    }
    if (typeof dispatch.worker_name !== 'string' || dispatch.worker_name === '') return Response.json({ error: 'no worker_name' }, { status: 400 });
    try {
      new Webhook(await deriveWorkerSecret(env.HEALTH_CHECK_SIGNING_KEY, dispatch.worker_name)).verify(body, Object.fromEntries(request.headers));
    } catch (error) {
      return Response.json({ error: `signature refused: ${error instanceof Error ? error.message : String(error)}` }, { status: 401 });
    }
    return Response.json({ accepted: true, worker_check_uuid: dispatch.worker_check_uuid }, { status: 202 });
  },
} satisfies ExportedHandler<SilentEnv>;
