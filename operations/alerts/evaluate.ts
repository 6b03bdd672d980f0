/**
 * "Evaluate alerts for run X": run by the alerts queue's consumer after a run is finalised, never
 * on the callback path. Reads the rules, the subjects' recent checks, the maintenance windows and
 * the unresolved alerts, lets the domain decide (domain/alerts/rules.ts), records each transition
 * exactly once (transitions.ts), then queues a message per delivery still to send.
 *
 * The history is read as of run X (its checks and earlier ones), so every run is judged on what
 * was known when it ended, however late its message is handled: a blip between two runs is not
 * lost because the next run ended before the consumer got to it. Only subjects checked in run X
 * are acted on (the others are context, for dependencies), and none whose alerts were already
 * evaluated on a later run: a run handled after a newer one changes nothing the newer one decided.
 */
import { sql } from 'drizzle-orm';
import { FLEET_SUBJECT } from '../../db/alerts';
import type { AlertRuleRow } from '../../db/alert-rules';
import { fromSqliteTimestamp } from '../../db/columns';
import type { Db } from '../../db/client';
import { maintenanceAt } from '../../domain/alerts/maintenance';
import { recommendationTexts } from '../../domain/alerts/notification';
import { evaluateRule, workerSubject, type SubjectCheck, type SubjectState, type UnresolvedAlert } from '../../domain/alerts/rules';
import { healthStatusFor } from '../../domain/health-status';
import type { OperationDeps } from '../deps';
import { parseStringList } from '../json-columns';
import { ruleSpec } from './rules';
import { alertSettings } from './settings';
import { applyDecision } from './transitions';
import { windowSpec } from './windows';

/** Runs that count as checks: finished, not cancelled. */
const FINAL_RUN_STATUSES = ['completed', 'failed', 'timeout'] as const;
const FINAL_RUN_SQL = sql.raw(`(${FINAL_RUN_STATUSES.map((status) => `'${status}'`).join(', ')})`);
/** The most checks of one subject a rule can look at (thresholds and flap windows are capped below this). */
const MAX_HISTORY = 100;

interface HistoryRow {
  workerName: string;
  workerType: string;
  healthCheckUuid: string;
  status: string | null;
  score: number | null;
  recommendations: string | null;
  completedAt: string | null;
}

function check(row: { healthCheckUuid: string; score: number; recommendations: string | null; completedAt: string | null }, now: Date): SubjectCheck {
  return {
    healthCheckUuid: row.healthCheckUuid,
    score: row.score,
    healthStatus: healthStatusFor(row.score),
    at: row.completedAt ? fromSqliteTimestamp(row.completedAt) : now,
    recommendations: recommendationTexts(row.recommendations),
  };
}

/**
 * The latest `depth` checks of each named worker in finished runs, newest first: one statement,
 * each worker's checks found through the (worker_name, id) index, the names bound as one JSON array.
 */
async function workerHistory(db: Db, names: readonly string[], depth: number, asOfRunId: number, now: Date) {
  const history = new Map<string, { type: string; checks: SubjectCheck[] }>();
  if (names.length === 0) return history;
  const rows = await db.all<HistoryRow>(sql`
    SELECT w.worker_name AS workerName, w.worker_type AS workerType, w.health_check_uuid AS healthCheckUuid, w.status AS status,
           w.health_score AS score, w.ai_worker_recommendations AS recommendations, h.completed_at AS completedAt
    FROM json_each(${JSON.stringify(names)}) AS n
    JOIN worker_health_checks w ON w.id IN (
      SELECT w2.id FROM worker_health_checks w2 JOIN health_checks h2 ON h2.health_check_uuid = w2.health_check_uuid
      WHERE w2.worker_name = n.value AND h2.status IN ${FINAL_RUN_SQL} AND h2.id <= ${asOfRunId}
      ORDER BY w2.id DESC LIMIT ${depth})
    JOIN health_checks h ON h.health_check_uuid = w.health_check_uuid
    ORDER BY w.worker_name, w.id DESC`);
  for (const row of rows) {
    const entry = history.get(row.workerName) ?? { type: row.workerType, checks: [] };
    // A failed or timed-out check scores 0, whatever the column says.
    entry.checks.push(check({ ...row, score: row.status === 'completed' ? (row.score ?? 0) : 0 }, now));
    history.set(row.workerName, entry);
  }
  return history;
}

async function fleetHistory(db: Db, depth: number, asOfRunId: number, now: Date): Promise<SubjectCheck[]> {
  const rows = await db.all<{ healthCheckUuid: string; score: number | null; recommendations: string | null; completedAt: string | null }>(sql`
    SELECT health_check_uuid AS healthCheckUuid, overall_health_score AS score, ai_recommendations AS recommendations, completed_at AS completedAt
    FROM health_checks WHERE status IN ${FINAL_RUN_SQL} AND id <= ${asOfRunId} ORDER BY id DESC LIMIT ${depth}`);
  return rows.map((row) => check({ ...row, score: row.score ?? 0 }, now));
}

const inScope = (rule: AlertRuleRow, worker: { name: string; type: string }) => {
  const filters = parseStringList(rule.workerFilters);
  return filters.length === 0 || filters.includes(worker.name) || filters.includes(worker.type);
};

export interface EvaluationOutcome {
  /** Transitions this call recorded. */
  transitions: number;
  /** Deliveries it queued. */
  queued: number;
}

export async function evaluateRunAlerts(deps: Pick<OperationDeps, 'db' | 'env' | 'enqueueAlerts' | 'publishAlertChanges'>, healthCheckUuid: string, now = new Date()): Promise<EvaluationOutcome> {
  const { db } = deps;
  const run = await db.query.healthChecks.findFirst({ columns: { id: true, status: true }, where: { healthCheckUuid } });
  if (!run || !(FINAL_RUN_STATUSES as readonly (string | null)[]).includes(run.status)) return { transitions: 0, queued: 0 };
  const rules = await db.query.alertRules.findMany({ where: { enabled: true }, orderBy: { id: 'asc' } });
  if (rules.length === 0) return { transitions: 0, queued: 0 };

  const [runWorkers, registry, windowRows, unresolvedRows, evaluatedRows] = await Promise.all([
    db.query.workerHealthChecks.findMany({ columns: { workerName: true, workerType: true }, where: { healthCheckUuid } }),
    db.query.workers.findMany({ columns: { name: true, type: true, dependsOn: true } }),
    db.query.maintenanceWindows.findMany(),
    db.query.alerts.findMany({ where: { status: { ne: 'resolved' } } }),
    // Per rule and subject, the newest run its alerts were evaluated on.
    db.all<{ ruleId: number; subject: string; runId: number }>(sql`
      SELECT a.rule_id AS ruleId, a.subject AS subject, max(h.id) AS runId
      FROM alerts a JOIN health_checks h ON h.health_check_uuid = a.health_check_uuid
      GROUP BY a.rule_id, a.subject`),
  ]);
  const evaluatedOn = new Map(evaluatedRows.map((row) => [`${row.ruleId}:${row.subject}`, row.runId]));
  const newerDecided = (ruleId: number, subject: string) => (evaluatedOn.get(`${ruleId}:${subject}`) ?? 0) > run.id;
  const windows = windowRows.map(windowSpec);
  const registered = new Map(registry.map((worker) => [worker.name, { type: worker.type, dependsOn: parseStringList(worker.dependsOn) }]));
  // Every worker a worker rule covers: registered ones (their state matters to their dependants)
  // and the run's own (a removed worker's last checks still count).
  const known = new Map<string, string>(registry.map((worker) => [worker.name, worker.type]));
  for (const worker of runWorkers) if (!known.has(worker.workerName)) known.set(worker.workerName, worker.workerType);
  const workerRules = rules.filter((rule) => !rule.fleet);
  const names = [...known].filter(([name, type]) => workerRules.some((rule) => inScope(rule, { name, type }))).map(([name]) => name);

  const depth = Math.min(MAX_HISTORY, Math.max(...rules.map((rule) => Math.max(rule.failureThreshold, rule.successThreshold, rule.flapWindow))));
  const [history, fleet] = await Promise.all([
    workerHistory(db, names, depth, run.id, now),
    rules.some((rule) => rule.fleet) ? fleetHistory(db, depth, run.id, now) : Promise.resolve([]),
  ]);

  const workerStates = new Map<string, SubjectState>();
  for (const name of names) {
    const entry = history.get(name);
    const checks = entry?.checks ?? [];
    const type = known.get(name) ?? entry?.type ?? null;
    workerStates.set(name, {
      subject: workerSubject(name),
      workerName: name,
      dependsOn: registered.get(name)?.dependsOn ?? [],
      history: checks,
      maintenance: checks[0] ? maintenanceAt(windows, { workerName: name, workerType: type }, checks[0].at) : null,
      decide: checks[0]?.healthCheckUuid === healthCheckUuid,
    });
  }
  const fleetState: SubjectState = {
    subject: FLEET_SUBJECT,
    workerName: null,
    dependsOn: [],
    history: fleet,
    maintenance: fleet[0] ? maintenanceAt(windows, 'fleet', fleet[0].at) : null,
    decide: fleet[0]?.healthCheckUuid === healthCheckUuid,
  };

  const { publicUrl } = alertSettings(deps.env);
  let transitions = 0;
  const touched = new Set<number>();
  for (const rule of rules) {
    const subjects = (rule.fleet ? [fleetState] : [...workerStates.values()].filter((state) => inScope(rule, { name: state.workerName!, type: known.get(state.workerName!) ?? '' }))).map(
      (state) => ({
        ...state,
        // A rule counts the checks of runs that ended after it was created: a new rule on
        // "degraded for 2 checks" opens after the second such run, not at once on old history.
        history: state.history.filter((entry) => entry.at.getTime() >= rule.createdAt.getTime()),
        decide: state.decide && !newerDecided(rule.id, state.subject),
      }),
    );
    const unresolved: UnresolvedAlert[] = unresolvedRows
      .filter((alert) => alert.ruleId === rule.id)
      .map((alert) => ({
        id: alert.id,
        subject: alert.subject,
        status: alert.status === 'acknowledged' ? 'acknowledged' : 'open',
        flapping: alert.flapping,
        lastNotifiedAt: alert.lastNotifiedAt,
        version: alert.version,
        affectedWorkers: parseStringList(alert.affectedWorkers),
      }));
    for (const decision of evaluateRule(ruleSpec(rule), subjects, unresolved)) {
      try {
        const applied = await applyDecision(db, rule, decision, publicUrl, now);
        if (applied.recorded && applied.kind) transitions++;
        if (applied.recorded && applied.alertId !== null) touched.add(applied.alertId);
      } catch (error) {
        // One subject's failure must not hold back the others; the message is retried (all of it,
        // idempotently) by the consumer.
        console.error(JSON.stringify({ event: 'alert.transition_failed', rule: rule.name, decision: decision.action, error: String(error) }));
        throw error;
      }
    }
  }
  const queued = await queuePendingDeliveries(deps, healthCheckUuid);
  if (touched.size) await deps.publishAlertChanges([...touched]);
  return { transitions, queued };
}

/**
 * Queues a message for every delivery of this run's transitions that has not been tried yet:
 * those just recorded, and any a crashed earlier evaluation recorded but could not queue. A
 * delivery queued twice is still sent once (deliver.ts claims it first).
 */
export async function queuePendingDeliveries(deps: Pick<OperationDeps, 'db' | 'enqueueAlerts'>, healthCheckUuid: string): Promise<number> {
  const pending = await deps.db.all<{ id: number }>(sql`
    SELECT d.id AS id FROM alert_deliveries d JOIN alert_transitions t ON t.id = d.transition_id
    WHERE t.health_check_uuid = ${healthCheckUuid} AND d.status = 'pending' AND d.attempts = 0
    ORDER BY d.id`);
  if (pending.length) await deps.enqueueAlerts(pending.map(({ id }) => ({ kind: 'deliver', deliveryId: id })));
  return pending.length;
}
