// The notification a transition sends, decided once when the transition is recorded (and stored
// with it, so every retry sends the same), and its wording. Pure.
//
// A WEBHOOK channel receives it as it is, as JSON in the Standard Webhooks payload shape
// (`type`, `timestamp`, `data`); Slack, Discord and PagerDuty get it in their own formats
// (channel-formats.ts).
import type { AlertTransitionKind } from '../../db/alert-transitions';
import type { HealthStatus } from '../../db/worker-health-checks';

export const NOTIFICATION_TYPES = ['alert.opened', 'alert.reminder', 'alert.flapping', 'alert.settled', 'alert.resolved', 'alert.test'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export interface AlertNotification {
  type: NotificationType;
  /** ISO 8601, when the transition was decided. */
  timestamp: string;
  data: {
    /** Null for a test notification. */
    alert: { id: string; rule: string; status: 'OPEN' | 'ACKNOWLEDGED' | 'RESOLVED'; flapping: boolean; openedAt: string } | null;
    subject: { kind: 'WORKER' | 'FLEET'; worker: string | null };
    healthStatus: Uppercase<HealthStatus> | null;
    score: number | null;
    /** One line: what happened. */
    title: string;
    /** A few lines: the rule, the thresholds, what to do. */
    text: string;
    /** The analysis's first recommendations, most important first. */
    recommendations: string[];
    /** Dependants whose own alerts this one stands for. */
    affectedWorkers: string[];
    healthCheck: { uuid: string; url: string } | null;
  };
}

export const MAX_RECOMMENDATIONS = 3;

const TYPE_OF: Partial<Record<AlertTransitionKind, NotificationType>> = {
  opened: 'alert.opened',
  reminder: 'alert.reminder',
  flapping: 'alert.flapping',
  settled: 'alert.settled',
  resolved: 'alert.resolved',
};

export function notificationTypeOf(kind: AlertTransitionKind): NotificationType | null {
  return TYPE_OF[kind] ?? null;
}

/** A link that opens the run in the orchestrator's GraphiQL with a query for it filled in. */
export function runLink(publicUrl: string, healthCheckUuid: string): string {
  const query = `{ healthCheck(uuid: "${healthCheckUuid}") { status overallHealthScore healthStatus aiAnalysis aiRecommendations workerResults { workerName status healthScore healthStatus errorMessage aiWorkerRecommendations } } }`;
  return `${publicUrl.replace(/\/+$/, '')}/graphql?query=${encodeURIComponent(query)}`;
}

export interface NotificationInput {
  kind: AlertTransitionKind;
  at: Date;
  alert: { id: number; ruleName: string; openedAt: Date; flapping: boolean; status: 'open' | 'acknowledged' | 'resolved' };
  rule: { failureThreshold: number; successThreshold: number; flapWindow: number; openAt: HealthStatus | null; scoreBelow: number | null };
  workerName: string | null;
  healthStatus: HealthStatus;
  score: number;
  recommendations: readonly string[];
  affectedWorkers: readonly string[];
  healthCheckUuid: string;
  publicUrl: string;
  /** State changes in the flap window, for FLAPPING. */
  changes?: number;
}

const upper = (status: HealthStatus) => status.toUpperCase() as Uppercase<HealthStatus>;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function criterion(rule: NotificationInput['rule']): string {
  return rule.scoreBelow !== null ? `a score below ${rule.scoreBelow}` : `${upper(rule.openAt ?? 'degraded')} or worse`;
}

function titleOf(input: NotificationInput): string {
  const who = input.workerName ?? 'The fleet';
  const state = `${upper(input.healthStatus)} (score ${input.score.toFixed(4)})`;
  const affected = input.affectedWorkers.length
    ? `; ${plural(input.affectedWorkers.length, 'worker')} depending on it ${input.affectedWorkers.length === 1 ? 'is' : 'are'} affected: ${input.affectedWorkers.join(', ')}`
    : '';
  switch (input.kind) {
    case 'opened':
      return input.alert.flapping
        ? `${who} is flapping: ${plural(input.changes ?? 0, 'change')} in its last ${plural(input.rule.flapWindow, 'check')}${affected}`
        : `${who} is ${state}${input.rule.failureThreshold > 1 ? ` for ${plural(input.rule.failureThreshold, 'check')} in a row` : ''}${affected}`;
    case 'flapping':
      return `${who} is flapping: ${plural(input.changes ?? 0, 'change')} in its last ${plural(input.rule.flapWindow, 'check')}${affected}`;
    case 'settled':
      return `${who} stopped flapping and is ${state}${affected}`;
    case 'reminder':
      return `Still ${upper(input.healthStatus)}: ${who} (score ${input.score.toFixed(4)}), alert open since ${input.alert.openedAt.toISOString()}${affected}`;
    case 'resolved':
      return `Resolved: ${who} is ${state}`;
    case 'acknowledged':
      return `${who}: alert acknowledged`;
  }
}

function textOf(input: NotificationInput): string {
  const lines = [`Rule "${input.alert.ruleName}": alerts on ${criterion(input.rule)} for ${plural(input.rule.failureThreshold, 'check')} in a row, resolves after ${plural(input.rule.successThreshold, 'good check')}.`];
  if (input.kind === 'opened' && input.alert.flapping) lines.push('No further notifications until it settles.');
  if (input.kind === 'flapping') lines.push('No further notifications until it settles.');
  return lines.join('\n');
}

/** The notification for one transition. */
export function buildNotification(input: NotificationInput): AlertNotification {
  // An alert that opens because its subject flaps says so: it is the one flapping notification.
  const type = input.kind === 'opened' && input.alert.flapping ? 'alert.flapping' : notificationTypeOf(input.kind);
  if (!type) throw new Error(`A ${input.kind} transition sends no notification`);
  const status = input.kind === 'resolved' ? 'RESOLVED' : input.alert.status === 'acknowledged' ? 'ACKNOWLEDGED' : 'OPEN';
  return {
    type,
    timestamp: input.at.toISOString(),
    data: {
      alert: {
        id: String(input.alert.id),
        rule: input.alert.ruleName,
        status,
        flapping: input.kind === 'flapping' || (input.kind === 'opened' && input.alert.flapping),
        openedAt: input.alert.openedAt.toISOString(),
      },
      subject: { kind: input.workerName ? 'WORKER' : 'FLEET', worker: input.workerName },
      healthStatus: upper(input.healthStatus),
      score: input.score,
      title: titleOf(input),
      text: textOf(input),
      recommendations: input.kind === 'resolved' ? [] : input.recommendations.slice(0, MAX_RECOMMENDATIONS),
      affectedWorkers: [...input.affectedWorkers],
      healthCheck: { uuid: input.healthCheckUuid, url: runLink(input.publicUrl, input.healthCheckUuid) },
    },
  };
}

/** What `testAlertChannel` sends. */
export function testNotification(channelName: string, at: Date): AlertNotification {
  return {
    type: 'alert.test',
    timestamp: at.toISOString(),
    data: {
      alert: null,
      subject: { kind: 'FLEET', worker: null },
      healthStatus: null,
      score: null,
      title: `Test notification from worker-health to channel "${channelName}"`,
      text: 'If you can read this, the channel works: alerts of the rules that name it will arrive here.',
      recommendations: [],
      affectedWorkers: [],
      healthCheck: null,
    },
  };
}

/**
 * Recommendation texts from a stored analysis column (JSON): strings, or objects with a `text`
 * (structured recommendations), most important first.
 */
export function recommendationTexts(json: string | null | undefined): string[] {
  if (!json) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed
    .map((item) => (typeof item === 'string' ? item : item && typeof item === 'object' && typeof (item as { text?: unknown }).text === 'string' ? (item as { text: string }).text : null))
    .filter((text): text is string => !!text);
}
