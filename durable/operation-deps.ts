import { createDb, type Db } from '../db/client';
import type { OperationDeps } from '../operations/deps';
import { createPublisher, disconnectKeyEverywhere } from './publisher';
import { createRunControl } from './run-control';

/** The operations' dependencies over a Worker's env, for any caller with a waitUntil. */
export function createOperationDeps(env: Env, waitUntil: (promise: Promise<unknown>) => void, db: Db = createDb(env.DB)): OperationDeps {
  return {
    db,
    env,
    publish: createPublisher(env),
    disconnectKey: (keyName) => disconnectKeyEverywhere(env, keyName),
    runs: createRunControl(env),
    waitUntil,
  };
}
