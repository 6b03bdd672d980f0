export { HealthCheckRun } from './durable/health-check-run';
export { HealthCheckOps } from './entrypoints/health-check-ops';
import { healthResponse } from './http/health';
import { MAX_BODY_BYTES } from './http/settings';
import { yogaFor } from './http/yoga';

async function handleGraphQL(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) {
    return Response.json(
      { errors: [{ message: `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`, extensions: { code: 'BAD_USER_INPUT' } }] },
      { status: 413 },
    );
  }
  // Signed worker callbacks are verified over the exact bytes sent, so keep them.
  let rawBody: string | null = null;
  if (request.method === 'POST' && request.headers.has('webhook-signature')) {
    rawBody = await request.clone().text();
    if (new TextEncoder().encode(rawBody).byteLength > MAX_BODY_BYTES) {
      return Response.json(
        { errors: [{ message: `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`, extensions: { code: 'BAD_USER_INPUT' } }] },
        { status: 413 },
      );
    }
  }
  return yogaFor(env).fetch(request, { env, ctx, rawBody });
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/health') return healthResponse(env);
    if (url.pathname === '/graphql') return handleGraphQL(request, env, ctx);
    if (url.pathname === '/') return Response.redirect(new URL('/graphql', url).toString(), 302);
    return Response.json({ error: `No route for ${url.pathname}. The API is at /graphql.` }, { status: 404 });
  },
} satisfies ExportedHandler<Env>;
