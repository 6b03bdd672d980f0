/**
 * A test-only worker that keeps every dispatch it is sent, exactly as it arrived, and answers 202
 * without verifying or running anything: what the orchestrator really put on the wire, for a test
 * to check with a library of its own choosing (tests/runs/standard-webhooks.test.ts verifies it
 * with the official `standardwebhooks`). Bundled and run beside the orchestrator by
 * tests/setup/fleet-workers.ts, reached as the `RECORDING_WORKER` service binding; register any
 * name under that binding.
 *
 * `GET /recorded/<worker_check_uuid>` answers the dispatches for that check, oldest first:
 * `[{ method, url, headers, body }]` (404 while there are none).
 */
interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Per isolate, keyed by the dispatch's worker_check_uuid (or "unparsable"). */
const recorded = new Map<string, RecordedRequest[]>();

export default {
  async fetch(request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method === 'GET' && pathname.startsWith('/recorded/')) {
      const requests = recorded.get(decodeURIComponent(pathname.slice('/recorded/'.length)));
      return requests ? Response.json(requests) : Response.json({ error: 'nothing recorded' }, { status: 404 });
    }
    if (request.method !== 'POST' || pathname !== '/health-check/execute') return Response.json({ error: 'Not found' }, { status: 404 });
    const body = await request.text();
    let key = 'unparsable';
    try {
      const uuid = (JSON.parse(body) as { worker_check_uuid?: unknown }).worker_check_uuid;
      if (typeof uuid === 'string') key = uuid;
    } catch {
      // kept under "unparsable"
    }
    const entry = { method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body };
    recorded.set(key, [...(recorded.get(key) ?? []), entry]);
    return Response.json({ accepted: true, worker_check_uuid: key }, { status: 202 });
  },
} satisfies ExportedHandler;
