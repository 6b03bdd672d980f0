// What an alert rule decides after a run: pure functions of the rule, each subject's recent checks,
// the maintenance windows and the alerts already open. No I/O, no clock.
//
// ## Bad and good
//
// A check is bad for a rule when its status is the rule's `openAt` or worse (DEGRADED <
// UNHEALTHY < CRITICAL), or, for a rule with `scoreBelow`, when it scores below that. A worker
// whose check failed or timed out scores 0 (CRITICAL). A subject is a worker, or the fleet (the
// run's overall score).
//
// ## Hysteresis
//
// An alert opens when the subject's last `failureThreshold` checks were all bad, and resolves when
// its last `successThreshold` checks were all good; in between nothing changes. So one bad check
// with `failureThreshold: 2` opens nothing, and a worker that stays bad is told about once (plus a
// reminder every `reminderMinutes`, measured between checks, while the alert is open and not
// acknowledged).
//
// ## Flapping
//
// A subject whose bad/good state changed more than `flapThreshold` times among its last
// `flapWindow` checks is flapping: it gets one FLAPPING notification (opening its alert if none is
// open) and no per-change notifications until it settles, which is when the changes in the window
// fall to half the threshold or fewer. Settling resolves the alert if the subject has been good for
// `successThreshold` checks by then, and otherwise says it settled (still bad, or not yet good long
// enough) and hysteresis takes over again. `flapThreshold: 0` turns detection off.
//
// ## Maintenance
//
// A subject whose latest check fell in one of its maintenance windows is not evaluated at all:
// nothing opens, reminds or resolves (alerts are *held*). Its checks are still recorded and still
// count: at the first check after the window, a subject that is still bad for `failureThreshold`
// checks (in-window ones included) opens its alert then, one whose problem went away opens nothing.
//
// ## Dependencies
//
// Workers name the workers they depend on (`dependsOn`, acyclic). Among a rule's workers, one is
// *troubled* when its latest check is bad or an alert of the rule is unresolved for it. A worker
// with a troubled dependency (direct or further up) opens no alert of its own: it is listed on the
// alert of its *root*, the troubled dependency that has no troubled dependency itself. So when a
// dependency and three of its dependants fail in one run, one alert opens, for the dependency,
// listing the three. Once the root's alert resolves and it is good again, a dependant that is still
// bad opens its own alert as usual (its own bad checks count).
import type { HealthStatus } from '../../db/worker-health-checks';
import { ancestorsOf } from './dependencies';

export const FLEET_SUBJECT = 'fleet';
export const workerSubject = (name: string) => `worker:${name}`;

const SEVERITY: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2, critical: 3 };

/** Whether `status` is `threshold` or worse. */
export function atOrWorse(status: HealthStatus, threshold: HealthStatus): boolean {
  return SEVERITY[status] >= SEVERITY[threshold];
}

export interface RuleCriteria {
  openAt: HealthStatus | null;
  scoreBelow: number | null;
}

export interface RuleSpec extends RuleCriteria {
  id: number;
  name: string;
  failureThreshold: number;
  successThreshold: number;
  reminderMinutes: number | null;
  flapWindow: number;
  flapThreshold: number;
}

/** One check of a subject: a worker's check in a run, or a run's overall score for the fleet. */
export interface SubjectCheck {
  healthCheckUuid: string;
  score: number;
  healthStatus: HealthStatus;
  /** When it was recorded (the run's completion). */
  at: Date;
  recommendations: readonly string[];
}

export interface SubjectState {
  subject: string;
  /** Null for the fleet. */
  workerName: string | null;
  /** Worker names it depends on (from the registry). */
  dependsOn: readonly string[];
  /** Newest first. */
  history: readonly SubjectCheck[];
  /** The maintenance window its latest check fell in, if any. */
  maintenance: string | null;
  /** Whether this evaluation may act on it (its latest check is from the run being evaluated). */
  decide: boolean;
}

export interface UnresolvedAlert {
  id: number;
  subject: string;
  status: 'open' | 'acknowledged';
  flapping: boolean;
  lastNotifiedAt: Date;
  version: number;
  affectedWorkers: readonly string[];
}

export type AlertDecision =
  | { action: 'open'; subject: string; workerName: string | null; flapping: boolean; check: SubjectCheck; affectedWorkers: string[]; changes: number }
  | { action: 'flapping'; alert: UnresolvedAlert; check: SubjectCheck; affectedWorkers: string[]; changes: number }
  | { action: 'settled'; alert: UnresolvedAlert; check: SubjectCheck; affectedWorkers: string[]; bad: boolean }
  | { action: 'remind'; alert: UnresolvedAlert; check: SubjectCheck; affectedWorkers: string[] }
  | { action: 'resolve'; alert: UnresolvedAlert; check: SubjectCheck; affectedWorkers: string[] }
  /** Silent: the alert's latest check (status, score, dependants) without a transition. */
  | { action: 'refresh'; alert: UnresolvedAlert; check: SubjectCheck; affectedWorkers: string[] };

export function isBad(check: Pick<SubjectCheck, 'score' | 'healthStatus'>, rule: RuleCriteria): boolean {
  if (rule.scoreBelow !== null) return check.score < rule.scoreBelow;
  return atOrWorse(check.healthStatus, rule.openAt ?? 'degraded');
}

/** How many leading entries (the newest) hold `value`. */
function leading(flags: readonly boolean[], value: boolean): number {
  let count = 0;
  while (count < flags.length && flags[count] === value) count++;
  return count;
}

/** State changes between consecutive checks among the newest `window` checks. */
export function stateChanges(flags: readonly boolean[], window: number): number {
  let changes = 0;
  const last = Math.min(window, flags.length);
  for (let i = 1; i < last; i++) if (flags[i] !== flags[i - 1]) changes++;
  return changes;
}

export const isFlapping = (changes: number, rule: Pick<RuleSpec, 'flapThreshold'>) => rule.flapThreshold > 0 && changes > rule.flapThreshold;
export const hasSettled = (changes: number, rule: Pick<RuleSpec, 'flapThreshold'>) => changes <= Math.floor(rule.flapThreshold / 2);

/**
 * Everything one rule decides after a run, for the subjects given (the rule's workers, or the
 * fleet) and the rule's unresolved alerts. Decisions are derived from the latest checks, so deciding
 * again on the same data decides the same: the caller keys each transition by (alert or subject,
 * transition, the latest check's run), which makes a repeated evaluation record nothing new.
 */
export function evaluateRule(rule: RuleSpec, subjects: readonly SubjectState[], unresolved: readonly UnresolvedAlert[]): AlertDecision[] {
  const bySubject = new Map(subjects.map((state) => [state.subject, state]));
  const alertOf = new Map(unresolved.map((alert) => [alert.subject, alert]));
  const badNow = (state: SubjectState | undefined) => !!state && state.history.length > 0 && isBad(state.history[0]!, rule);

  // Dependency-aware suppression, among this rule's workers.
  const workers = new Map(subjects.filter((state) => state.workerName !== null).map((state) => [state.workerName!, state]));
  const graph = new Map([...workers.values()].map((state) => [state.workerName!, state.dependsOn]));
  // An alert that resolves in this very evaluation no longer holds its dependants back.
  const resolvesNow = (state: SubjectState) => {
    const alert = alertOf.get(state.subject);
    if (!alert || !state.decide || state.history.length === 0 || state.maintenance) return false;
    const flags = state.history.map((entry) => isBad(entry, rule));
    const changes = stateChanges(flags, rule.flapWindow);
    const good = leading(flags, false) >= rule.successThreshold;
    return alert.flapping ? hasSettled(changes, rule) && good : !isFlapping(changes, rule) && good;
  };
  const troubled = (name: string) => {
    const state = workers.get(name);
    return !!state && (badNow(state) || (alertOf.has(state.subject) && !resolvesNow(state)));
  };
  const troubledAncestors = new Map<string, string[]>();
  for (const name of workers.keys()) troubledAncestors.set(name, ancestorsOf(graph, name).filter(troubled));
  const rootsOf = (name: string) => troubledAncestors.get(name)!.filter((ancestor) => troubledAncestors.get(ancestor)!.length === 0);
  const affectedBy = new Map<string, string[]>();
  for (const [name, state] of workers) {
    if (!badNow(state) || troubledAncestors.get(name)!.length === 0) continue;
    for (const root of rootsOf(name)) affectedBy.set(root, [...(affectedBy.get(root) ?? []), name]);
  }
  const affectedOf = (state: SubjectState) => (state.workerName ? [...(affectedBy.get(state.workerName) ?? [])].sort() : []);
  const suppressed = (state: SubjectState) => !!state.workerName && troubledAncestors.get(state.workerName)!.length > 0;

  const decisions: AlertDecision[] = [];
  for (const state of bySubject.values()) {
    if (!state.decide || state.history.length === 0 || state.maintenance) continue;
    const check = state.history[0]!;
    const flags = state.history.map((entry) => isBad(entry, rule));
    const changes = stateChanges(flags, rule.flapWindow);
    const consecutiveBad = leading(flags, true);
    const consecutiveGood = leading(flags, false);
    const affectedWorkers = affectedOf(state);
    const alert = alertOf.get(state.subject);

    if (alert?.flapping) {
      if (!hasSettled(changes, rule)) {
        decisions.push({ action: 'refresh', alert, check, affectedWorkers });
      } else if (consecutiveGood >= rule.successThreshold) {
        decisions.push({ action: 'resolve', alert, check, affectedWorkers });
      } else {
        decisions.push({ action: 'settled', alert, check, affectedWorkers, bad: flags[0]! });
      }
      continue;
    }
    if (isFlapping(changes, rule)) {
      if (alert) decisions.push({ action: 'flapping', alert, check, affectedWorkers, changes });
      else if (!suppressed(state)) {
        decisions.push({ action: 'open', subject: state.subject, workerName: state.workerName, flapping: true, check, affectedWorkers, changes });
      }
      continue;
    }
    if (alert) {
      if (consecutiveGood >= rule.successThreshold) {
        decisions.push({ action: 'resolve', alert, check, affectedWorkers });
      } else if (
        flags[0] &&
        alert.status === 'open' &&
        rule.reminderMinutes !== null &&
        check.at.getTime() - alert.lastNotifiedAt.getTime() >= rule.reminderMinutes * 60_000
      ) {
        decisions.push({ action: 'remind', alert, check, affectedWorkers });
      } else {
        decisions.push({ action: 'refresh', alert, check, affectedWorkers });
      }
      continue;
    }
    if (consecutiveBad >= rule.failureThreshold && !suppressed(state)) {
      decisions.push({ action: 'open', subject: state.subject, workerName: state.workerName, flapping: false, check, affectedWorkers, changes });
    }
  }
  return decisions;
}
