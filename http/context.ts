import type { YogaInitialContext } from 'graphql-yoga';
import { createDb } from '../db/client';
import { authenticate } from '../resolvers/api-keys';
import { createOperationDeps } from '../resolvers/deps';
import { createRunControl } from '../resolvers/run-control';
import type { GraphQLContext } from '../schema/context';

export interface ServerContext {
  env: Env;
  ctx: ExecutionContext;
  /** The request body as text, kept for verifying signed worker callbacks. */
  rawBody?: string | null;
}

/** Builds each request's context: the D1 client and who is calling. */
export async function createContext(initial: YogaInitialContext & ServerContext): Promise<GraphQLContext> {
  const { env, ctx, request } = initial;
  const db = createDb(env.DB);
  const auth = await authenticate(db, request.headers.get('authorization'), env.ADMIN_API_KEY);
  if (auth.kind === 'authenticated' && auth.touch) ctx.waitUntil(auth.touch);
  return {
    ...createOperationDeps(env, (promise) => ctx.waitUntil(promise), db),
    caller: auth.kind === 'authenticated' ? auth.caller : null,
    authFailure: auth.kind === 'anonymous' ? 'missing' : auth.kind === 'invalid' ? 'invalid' : null,
    request,
    rawBody: initial.rawBody ?? null,
    runs: createRunControl(env),
  };
}
