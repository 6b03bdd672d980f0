import type { Db } from '../db/client';
import type { Publish } from './events';

/** What the operations need from their caller (GraphQL, RPC, cron or a Durable Object). */
export interface OperationDeps {
  db: Db;
  env: Env;
  publish: Publish;
  /** Keeps work going after the answer is sent (ExecutionContext / DurableObjectState). */
  waitUntil(promise: Promise<unknown>): void;
}
