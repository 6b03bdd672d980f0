/**
 * Fault injection for `npm run soak` only: `POST /__chaos/abort-run/<healthCheckUuid>` aborts that
 * run's Durable Object, as an eviction, a crash or a deploy would (its in-memory state is gone; its
 * storage and alarm stay). Answered only when the CHAOS var is "true", which only the soak's own
 * wrangler config sets; every other deployment gets the ordinary 404 for the path.
 */
export async function chaosResponse(url: URL, request: Request, env: Env): Promise<Response | null> {
  if (env.CHAOS !== 'true' || !url.pathname.startsWith('/__chaos/')) return null;
  const match = /^\/__chaos\/abort-run\/([0-9a-f-]{36})$/.exec(url.pathname);
  if (!match || request.method !== 'POST') return Response.json({ error: 'POST /__chaos/abort-run/<uuid>' }, { status: 404 });
  const stub = env.HEALTH_CHECK_RUN.get(env.HEALTH_CHECK_RUN.idFromName(match[1]!));
  // The abort rejects the call that caused it: that rejection is the expected answer.
  const aborted = await stub.abortForChaos().then(
    () => false,
    () => true,
  );
  return Response.json({ aborted });
}
