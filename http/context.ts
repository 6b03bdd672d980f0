import type { YogaInitialContext } from 'graphql-yoga';
import { createDb, type Db } from '../db/client';
import { authenticate, type Authentication } from '../operations/api-keys';
import { createOperationDeps } from '../durable/operation-deps';
import type { GraphQLContext } from '../schema/context';

/**
 * What http/serve.ts hands Yoga with each request. Who is calling is settled before Yoga runs,
 * so the API-key gate can act at validation (Yoga builds the GraphQL context only after it).
 */
export interface ServerContext {
  env: Env;
  ctx: ExecutionContext;
  db: Db;
  authentication: Authentication;
  /** The request body as text, kept for verifying signed worker callbacks. */
  rawBody: string | null;
}

/** Settles who is calling: the `Authorization` header against the keys. */
export async function authenticateRequest(request: Request, env: Env, ctx: ExecutionContext): Promise<Pick<ServerContext, 'db' | 'authentication'>> {
  const db = createDb(env.DB);
  const authentication = await authenticate(db, request.headers.get('authorization'), env.ADMIN_API_KEY);
  if (authentication.kind === 'authenticated' && authentication.touch) ctx.waitUntil(authentication.touch);
  return { db, authentication };
}

/** Builds each request's GraphQL context from what the server settled. */
export function createContext(initial: YogaInitialContext & ServerContext): GraphQLContext {
  const { env, ctx, request, db, authentication } = initial;
  return {
    ...createOperationDeps(env, (promise) => ctx.waitUntil(promise), db),
    caller: authentication.kind === 'authenticated' ? authentication.caller : null,
    authFailure: authentication.kind === 'anonymous' ? 'missing' : authentication.kind === 'invalid' ? 'invalid' : null,
    request,
    rawBody: initial.rawBody,
  };
}
