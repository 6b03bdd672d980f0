import { createDb, type Db } from '../db/client';
import type { Publish } from './events';
import { createPublisher } from '../durable/publisher';

/** What the operations need from their caller (GraphQL, RPC, cron or a Durable Object). */
export interface OperationDeps {
  db: Db;
  env: Env;
  publish: Publish;
  /** Keeps work going after the answer is sent (ExecutionContext / DurableObjectState). */
  waitUntil(promise: Promise<unknown>): void;
}

/** The operations' dependencies over a Worker's env, for any caller with a waitUntil. */
export function createOperationDeps(env: Env, waitUntil: (promise: Promise<unknown>) => void, db: Db = createDb(env.DB)): OperationDeps {
  return { db, env, publish: createPublisher(env), waitUntil };
}
