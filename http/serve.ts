import { authenticateRequest } from './context';
import { readBody } from '../sdk/src/read-body';
import { MAX_BODY_BYTES } from './settings';
import { yogaFor } from './yoga';

type Yoga = ReturnType<typeof yogaFor>;

/**
 * Serves one HTTP GraphQL request: reads a POST body within the size limit (whatever
 * Content-Length says, or omits), keeping its exact text for signed worker callbacks; settles
 * who is calling; then hands both to Yoga.
 */
export async function serveGraphQL(request: Request, env: Env, ctx: ExecutionContext, yoga: Yoga = yogaFor(env)): Promise<Response> {
  let rawBody: string | null = null;
  if (request.method === 'POST') {
    rawBody = await readBody(request, MAX_BODY_BYTES);
    if (rawBody === null) {
      return Response.json(
        { errors: [{ message: `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`, extensions: { code: 'BAD_USER_INPUT' } }] },
        { status: 413 },
      );
    }
    request = new Request(request, { body: rawBody });
  }
  const caller = await authenticateRequest(request, env, ctx);
  return yoga.fetch(request, { env, ctx, rawBody, ...caller });
}
