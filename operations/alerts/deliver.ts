/**
 * Sending one delivery (one transition to one channel), from the alerts queue's consumer.
 *
 * - **Once.** The consumer claims the delivery before sending (`pending` → `sending`,
 *   conditionally), so a second copy of the message, or a second consumer, sends nothing. A claim
 *   left by a consumer that died mid-send expires after a lease and the queue's retry takes over.
 * - **In order.** A delivery waits (is queued again, a few seconds later) while an earlier
 *   notification of the same alert to the same channel is unfinished, so a "resolved" never
 *   overtakes its "opened".
 * - **Retries.** Network errors, timeouts, 5xx and 429 are retried by the queue with backoff
 *   (domain/alerts/backoff.ts); any other answer is final. After the queue's last retry the message
 *   goes to the dead-letter queue, whose consumer marks the delivery `dead_lettered`.
 * - **Recorded.** Every attempt is a row in alert_delivery_attempts: status code, latency, error,
 *   what came of it.
 */
import { sql } from 'drizzle-orm';
import type { AlertChannelKind } from '../../db/alert-channels';
import { toSqliteTimestamp } from '../../db/columns';
import { judgeAttempt } from '../../domain/alerts/backoff';
import type { AlertNotification } from '../../domain/alerts/notification';
import type { OperationDeps } from '../deps';
import { sendNotification } from './send';
import { alertSettings } from './settings';

/** How long a delivery waits for an earlier one of its alert and channel before going anyway. */
const ORDER_WAIT_SECONDS = 5;
const MAX_ORDER_WAITS = 60;

export type DeliverOutcome = { action: 'done' } | { action: 'retry'; delaySeconds: number };

interface DeliveryRow {
  id: number;
  alertId: number;
  channelId: number;
  channelName: string;
  status: string;
  payload: string;
  kind: AlertChannelKind | null;
  url: string | null;
  secret: string | null;
  enabled: number | null;
}

/** The Standard Webhooks `webhook-id` of a delivery: the same on every attempt. */
export const deliveryMessageId = (deliveryId: number) => `msg_alert_delivery_${deliveryId}`;

export async function deliverNotification(
  deps: Pick<OperationDeps, 'db' | 'env' | 'enqueueAlerts'>,
  message: { deliveryId: number; waits?: number },
  now = new Date(),
): Promise<DeliverOutcome> {
  const { db } = deps;
  const settings = alertSettings(deps.env);
  const row = await db.get<DeliveryRow>(sql`
    SELECT d.id AS id, d.alert_id AS alertId, d.channel_id AS channelId, d.channel_name AS channelName, d.status AS status, t.payload AS payload,
           c.kind AS kind, c.url AS url, c.secret AS secret, c.enabled AS enabled
    FROM alert_deliveries d JOIN alert_transitions t ON t.id = d.transition_id LEFT JOIN alert_channels c ON c.id = d.channel_id
    WHERE d.id = ${message.deliveryId}`);
  if (!row || !['pending', 'sending'].includes(row.status)) return { action: 'done' };

  if (!row.kind || !row.url || !row.enabled) {
    await db.run(sql`
      UPDATE alert_deliveries SET status = 'failed', last_error = ${row.kind ? 'the channel is disabled' : 'the channel was deleted'}, updated_at = ${toSqliteTimestamp(now)}
      WHERE id = ${row.id} AND status IN ('pending', 'sending')`);
    return { action: 'done' };
  }

  const earlier = await db.get<{ id: number }>(sql`
    SELECT id FROM alert_deliveries WHERE alert_id = ${row.alertId} AND channel_id = ${row.channelId} AND id < ${row.id} AND status IN ('pending', 'sending') LIMIT 1`);
  if (earlier && (message.waits ?? 0) < MAX_ORDER_WAITS) {
    await deps.enqueueAlerts([{ kind: 'deliver', deliveryId: row.id, waits: (message.waits ?? 0) + 1 }], { delaySeconds: ORDER_WAIT_SECONDS });
    return { action: 'done' };
  }

  const claimed = await db.get<{ attempts: number }>(sql`
    UPDATE alert_deliveries SET status = 'sending', claimed_at = ${toSqliteTimestamp(now)}, attempts = attempts + 1, updated_at = ${toSqliteTimestamp(now)}
    WHERE id = ${row.id} AND (status = 'pending' OR (status = 'sending' AND claimed_at < ${toSqliteTimestamp(new Date(now.getTime() - settings.claimLeaseMs))}))
    RETURNING attempts`);
  if (!claimed) return { action: 'done' }; // someone else is sending it, or just did

  const notification = JSON.parse(row.payload) as AlertNotification;
  const result = await sendNotification({ name: row.channelName, kind: row.kind, url: row.url, secret: row.secret }, notification, {
    messageId: deliveryMessageId(row.id),
    timeoutMs: settings.timeoutMs,
    publicUrl: settings.publicUrl,
  });
  const verdict = judgeAttempt(result.statusCode, claimed.attempts, { baseSeconds: settings.retryBaseSeconds, retryAfter: result.retryAfter });
  const outcome = verdict.kind;
  const status = outcome === 'delivered' ? 'delivered' : outcome === 'retry' ? 'pending' : 'failed';
  const at = toSqliteTimestamp(new Date());
  await db.batch([
    db.run(sql`
      INSERT INTO alert_delivery_attempts (delivery_id, alert_id, channel_name, attempt, status_code, latency_ms, error, outcome, created_at)
      VALUES (${row.id}, ${row.alertId}, ${row.channelName}, ${claimed.attempts}, ${result.statusCode}, ${result.latencyMs}, ${result.error}, ${outcome}, ${at})`),
    db.run(sql`
      UPDATE alert_deliveries SET status = ${status}, last_status_code = ${result.statusCode}, last_error = ${result.error}, claimed_at = NULL,
             delivered_at = ${outcome === 'delivered' ? at : null}, updated_at = ${at}
      WHERE id = ${row.id} AND status = 'sending'`),
  ]);
  console.log(
    JSON.stringify({ event: `alert.delivery.${outcome}`, deliveryId: row.id, alertId: row.alertId, channel: row.channelName, attempt: claimed.attempts, statusCode: result.statusCode, latencyMs: result.latencyMs, ...(result.error ? { error: result.error } : {}) }),
  );
  return verdict.kind === 'retry' ? { action: 'retry', delaySeconds: verdict.delaySeconds } : { action: 'done' };
}

/** A delivery whose message came out of the dead-letter queue: it failed through every retry. */
export async function recordDeadLetter(deps: Pick<OperationDeps, 'db'>, deliveryId: number, now = new Date()): Promise<void> {
  const row = await deps.db.get<{ attempts: number; lastError: string | null }>(sql`
    UPDATE alert_deliveries SET status = 'dead_lettered', claimed_at = NULL, updated_at = ${toSqliteTimestamp(now)},
           last_error = 'gave up after ' || attempts || ' attempts (dead-lettered)' || coalesce(': ' || last_error, '')
    WHERE id = ${deliveryId} AND status IN ('pending', 'sending')
    RETURNING attempts, last_error AS lastError`);
  if (row) console.error(JSON.stringify({ event: 'alert.delivery.dead_lettered', deliveryId, attempts: row.attempts, error: row.lastError }));
}
