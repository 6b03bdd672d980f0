import { sql } from 'drizzle-orm';
import { toSqliteTimestamp } from '../../db/columns';
import type { OperationDeps } from '../deps';
import { badInput, conflict, notFound } from '../errors';

/** An alert's id as the API shows it (its row id, in decimal); BAD_USER_INPUT when it is not one. */
export function parseAlertId(id: string): number {
  const trimmed = id.trim();
  const n = Number(trimmed);
  if (!/^\d{1,15}$/.test(trimmed) || !Number.isSafeInteger(n) || n < 1) throw badInput(`"${id.slice(0, 100)}" is not an alert id: pass an Alert's id.`);
  return n;
}

/**
 * Acknowledges an open alert: someone is on it. Reminders stop; it still resolves on its own.
 * Conditional on the alert being open, so two operators acknowledging at once record one
 * acknowledgement; the other gets CONFLICT naming who was first.
 */
export async function acknowledgeAlert(deps: Pick<OperationDeps, 'db' | 'publishAlertChanges'>, id: string, by: string, now = new Date()): Promise<number> {
  const alertId = parseAlertId(id);
  const key = `acknowledged:${alertId}`;
  const [updated] = await deps.db.batch([
    deps.db.run(sql`
      UPDATE alerts SET status = 'acknowledged', acknowledged_at = ${toSqliteTimestamp(now)}, acknowledged_by = ${by}, version = version + 1, last_transition_key = ${key}
      WHERE id = ${alertId} AND status = 'open'`),
    deps.db.run(sql`
      INSERT INTO alert_transitions (alert_id, kind, idempotency_key, health_check_uuid, health_status, score, payload)
      SELECT id, 'acknowledged', ${key}, health_check_uuid, health_status, score, json_object('acknowledgedBy', ${by})
      FROM alerts WHERE id = ${alertId} AND last_transition_key = ${key}
      ON CONFLICT DO NOTHING`),
  ]);
  if ((updated.meta.changes ?? 0) === 0) {
    const alert = await deps.db.query.alerts.findFirst({ columns: { status: true, acknowledgedBy: true, acknowledgedAt: true }, where: { id: alertId } });
    if (!alert) throw notFound(`There is no alert ${alertId}.`);
    if (alert.status === 'resolved') throw conflict(`Alert ${alertId} is resolved already.`);
    throw conflict(`Alert ${alertId} was acknowledged already${alert.acknowledgedBy ? ` by ${alert.acknowledgedBy}` : ''}${alert.acknowledgedAt ? ` at ${alert.acknowledgedAt.toISOString()}` : ''}.`);
  }
  await deps.publishAlertChanges([alertId]);
  return alertId;
}
