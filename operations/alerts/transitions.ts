/**
 * Recording alert transitions exactly once. Each is one D1 batch (a transaction):
 *
 * 1. the conditional write of the alert: for an opening, an insert that the partial unique index
 *    (one unresolved alert per rule and subject) lets through once; for every other change, an
 *    update conditional on the `version` the evaluation read. Either way it sets
 *    `last_transition_key` to the transition's idempotency key;
 * 2. the transition, inserted from the alert row only if that row carries the key (so a write that
 *    lost the race inserts nothing), under the UNIQUE key (so the same decision made twice inserts
 *    once);
 * 3. one delivery per enabled channel of the rule, from the transition with that key, UNIQUE per
 *    (transition, channel).
 *
 * The key names the decision: (transition, alert or rule and subject, the run of the latest check
 * it was decided on). An evaluation repeated on the same data (a redelivered queue message, two
 * consumers racing) decides the same and records nothing new.
 */
import { sql } from 'drizzle-orm';
import type { AlertRuleRow } from '../../db/alert-rules';
import type { AlertTransitionKind } from '../../db/alert-transitions';
import type { Db } from '../../db/client';
import { toSqliteTimestamp } from '../../db/columns';
import type { AlertDecision, SubjectCheck } from '../../domain/alerts/rules';
import { buildNotification } from '../../domain/alerts/notification';
import { parseStringList } from '../json-columns';

export interface AppliedTransition {
  alertId: number | null;
  kind: AlertTransitionKind | null;
  recorded: boolean;
}

const KIND_OF: Record<Exclude<AlertDecision['action'], 'refresh'>, AlertTransitionKind> = {
  open: 'opened',
  flapping: 'flapping',
  settled: 'settled',
  remind: 'reminder',
  resolve: 'resolved',
};

const ts = (date: Date) => toSqliteTimestamp(date);

/** The transition row and its deliveries, from the alert row that carries `key`. */
function transitionStatements(db: Db, alertWhere: ReturnType<typeof sql>, key: string, kind: AlertTransitionKind, check: SubjectCheck, payload: string, channels: readonly string[]) {
  return [
    db.run(sql`
      INSERT INTO alert_transitions (alert_id, kind, idempotency_key, health_check_uuid, health_status, score, payload)
      SELECT id, ${kind}, ${key}, ${check.healthCheckUuid}, ${check.healthStatus}, ${check.score}, json_set(${payload}, '$.data.alert.id', CAST(id AS TEXT))
      FROM alerts WHERE ${alertWhere} AND last_transition_key = ${key}
      ON CONFLICT DO NOTHING`),
    db.run(sql`
      INSERT INTO alert_deliveries (transition_id, alert_id, transition_kind, channel_id, channel_name)
      SELECT t.id, t.alert_id, t.kind, c.id, c.name
      FROM alert_transitions t JOIN alert_channels c ON c.name IN (SELECT value FROM json_each(${JSON.stringify(channels)}))
      WHERE t.idempotency_key = ${key} AND c.enabled = 1
      ORDER BY c.name
      ON CONFLICT DO NOTHING`),
  ] as const;
}

/** Records one decision of `rule` (evaluate.ts). Answers which alert it touched and whether this call recorded it. */
export async function applyDecision(db: Db, rule: AlertRuleRow, decision: AlertDecision, publicUrl: string, now: Date): Promise<AppliedTransition> {
  const channels = parseStringList(rule.channels);
  const { check, affectedWorkers } = decision;
  const affected = JSON.stringify(affectedWorkers);

  if (decision.action === 'refresh') {
    // No transition: the alert's latest check, kept current. Only the first evaluation of a run
    // writes (a repeat finds health_check_uuid already set), and it bumps no version.
    const { alert } = decision;
    const result = await db.run(sql`
      UPDATE alerts SET affected_workers = ${affected}, health_status = ${check.healthStatus}, score = ${check.score}, health_check_uuid = ${check.healthCheckUuid}
      WHERE id = ${alert.id} AND version = ${alert.version} AND health_check_uuid IS NOT ${check.healthCheckUuid}`);
    return { alertId: alert.id, kind: null, recorded: (result.meta.changes ?? 0) > 0 };
  }

  const kind = KIND_OF[decision.action];
  const notificationRule = { failureThreshold: rule.failureThreshold, successThreshold: rule.successThreshold, flapWindow: rule.flapWindow, openAt: rule.openAt, scoreBelow: rule.scoreBelow };

  if (decision.action === 'open') {
    const key = `opened:${rule.id}:${decision.subject}:${check.healthCheckUuid}`;
    const payload = buildNotification({
      kind,
      at: now,
      // The id is filled in by the insert (json_set) once the row has one.
      alert: { id: 0, ruleName: rule.name, openedAt: now, flapping: decision.flapping, status: 'open' },
      rule: notificationRule,
      workerName: decision.workerName,
      healthStatus: check.healthStatus,
      score: check.score,
      recommendations: check.recommendations,
      affectedWorkers,
      healthCheckUuid: check.healthCheckUuid,
      publicUrl,
      changes: decision.changes,
    });
    const alertWhere = sql`rule_id = ${rule.id} AND subject = ${decision.subject} AND status <> 'resolved'`;
    const [, transition] = await db.batch([
      db.run(sql`
        INSERT INTO alerts (rule_id, rule_name, subject, worker_name, status, flapping, health_status, score, affected_workers, recommendations, summary,
                            opened_health_check_uuid, health_check_uuid, opened_at, last_notified_at, version, last_transition_key)
        VALUES (${rule.id}, ${rule.name}, ${decision.subject}, ${decision.workerName}, 'open', ${decision.flapping ? 1 : 0}, ${check.healthStatus}, ${check.score},
                ${affected}, ${JSON.stringify(payload.data.recommendations)}, ${payload.data.title}, ${check.healthCheckUuid}, ${check.healthCheckUuid},
                ${ts(now)}, ${ts(check.at)}, 0, ${key})
        ON CONFLICT DO NOTHING`),
      ...transitionStatements(db, alertWhere, key, kind, check, JSON.stringify(payload), channels),
    ]);
    const opened = await db.query.alerts.findFirst({ columns: { id: true }, where: { ruleId: rule.id, subject: decision.subject, status: { ne: 'resolved' } } });
    return { alertId: opened?.id ?? null, kind, recorded: (transition.meta.changes ?? 0) > 0 };
  }

  const { alert } = decision;
  const key = `${kind}:${alert.id}:${check.healthCheckUuid}`;
  const current = await db.query.alerts.findFirst({ columns: { openedAt: true, status: true, ruleName: true }, where: { id: alert.id } });
  if (!current) return { alertId: alert.id, kind, recorded: false };
  const flapping = decision.action === 'flapping' ? true : decision.action === 'settled' || decision.action === 'resolve' ? false : alert.flapping;
  const payload = buildNotification({
    kind,
    at: now,
    alert: { id: alert.id, ruleName: rule.name, openedAt: current.openedAt, flapping, status: decision.action === 'resolve' ? 'resolved' : alert.status },
    rule: notificationRule,
    workerName: decision.alert.subject.startsWith('worker:') ? decision.alert.subject.slice('worker:'.length) : null,
    healthStatus: check.healthStatus,
    score: check.score,
    recommendations: check.recommendations,
    affectedWorkers,
    healthCheckUuid: check.healthCheckUuid,
    publicUrl,
    ...('changes' in decision ? { changes: decision.changes } : {}),
  });
  const set =
    decision.action === 'resolve'
      ? sql`status = 'resolved', resolved_at = ${ts(now)}, flapping = 0`
      : decision.action === 'flapping'
        ? sql`flapping = 1, last_notified_at = ${ts(check.at)}`
        : decision.action === 'settled'
          ? sql`flapping = 0, last_notified_at = ${ts(check.at)}`
          : sql`last_notified_at = ${ts(check.at)}`;
  const [, transition] = await db.batch([
    db.run(sql`
      UPDATE alerts SET ${set}, health_status = ${check.healthStatus}, score = ${check.score}, affected_workers = ${affected},
                        health_check_uuid = ${check.healthCheckUuid}, version = version + 1, last_transition_key = ${key}
      WHERE id = ${alert.id} AND version = ${alert.version}`),
    ...transitionStatements(db, sql`id = ${alert.id}`, key, kind, check, JSON.stringify(payload), channels),
  ]);
  return { alertId: alert.id, kind, recorded: (transition.meta.changes ?? 0) > 0 };
}
