import { createDb, type Db } from '../db/client';
import type { AlertQueueMessage } from '../operations/alerts/messages';
import type { OperationDeps } from '../operations/deps';
import { createPublisher, disconnectKeyEverywhere } from './publisher';
import { shardCount, shardName } from './hub-shards';
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
    publishAlertChanges: (alertIds) => publishAlertChanges(env, alertIds),
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

/**
 * `alertChanged` events to every EventHub shard (subscribers are spread over them). A shard that
 * cannot be reached loses live updates, never data: the alert is in D1 already.
 */
async function publishAlertChanges(env: Env, alertIds: number[]): Promise<void> {
  const hub: Env['EVENT_HUB'] | undefined = env.EVENT_HUB;
  if (!hub || alertIds.length === 0) return;
  const results = await Promise.allSettled(
    Array.from({ length: shardCount(env.EVENT_HUB_SHARDS) }, (_, shard) => hub.get(hub.idFromName(shardName(shard))).publishAlertChanges(alertIds)),
  );
  for (const result of results) {
    if (result.status === 'rejected') console.error(JSON.stringify({ event: 'publish.alert_changed.failed', error: String(result.reason) }));
  }
}
