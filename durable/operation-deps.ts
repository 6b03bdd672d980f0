import { createDb, type Db } from '../db/client';
import type { AlertQueueMessage } from '../operations/alerts/messages';
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
    enqueueAlerts: (messages, options) => enqueueAlerts(env, messages, options),
    publishAlertChanges: async () => {},
  };
}

/** The alerts queue's producer: sendBatch, at most 100 messages a call (the Queues limit). */
async function enqueueAlerts(env: Env, messages: AlertQueueMessage[], options: { delaySeconds?: number } = {}): Promise<void> {
  const queue: Env['ALERTS_QUEUE'] | undefined = env.ALERTS_QUEUE;
  if (!queue) return;
  for (let start = 0; start < messages.length; start += 100) {
    const batch = messages.slice(start, start + 100).map((body) => ({ body, contentType: 'json' as const, ...(options.delaySeconds ? { delaySeconds: options.delaySeconds } : {}) }));
    await queue.sendBatch(batch);
  }
}
