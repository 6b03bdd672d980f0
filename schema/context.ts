import type { Db } from '../db/client';
import type { Caller } from '../resolvers/api-keys';

/** What every resolver gets. Built per request in http/context.ts. */
export interface GraphQLContext {
  env: Env;
  db: Db;
  /** The API-key holder, or null for anonymous or bad keys (see `authFailure`). */
  caller: Caller | null;
  authFailure: 'missing' | 'invalid' | null;
  /** The raw request, for the signed worker callback (`reportWorkerResult`). */
  request: Request | null;
  rawBody: string | null;
  waitUntil(promise: Promise<unknown>): void;
}
