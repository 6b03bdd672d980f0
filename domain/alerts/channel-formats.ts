// A notification in each receiver's documented format. Pure; sending and signing are in
// operations/alerts/send.ts.
//
// - Slack incoming webhooks: `text` (the fallback shown in notifications) and Block Kit `blocks`
//   (header, section fields, sections, actions with a link button, context), within Slack's limits
//   (header 150 characters, section text 3000, a field 2000, a button's text 75 and URL 3000).
// - Discord webhooks: one embed (title 256, description 4096, up to 25 fields of 1024, footer 2048;
//   6000 in all), no mentions parsed.
// - PagerDuty Events API v2: `trigger` (summary ≤ 1024, source, severity, timestamp, component,
//   group, class, custom_details, links) and `resolve`, under a `dedup_key` that is the same for an
//   alert's every event, so its reminders and re-triggers update one incident and its resolve closes it.
import type { AlertNotification } from './notification';

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// ── Slack ──────────────────────────────────────────────────────────────────────────────────────

/** Slack's mrkdwn needs &, < and > escaped; everything else is literal. */
const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const EMOJI: Record<AlertNotification['type'], string> = {
  'alert.opened': ':rotating_light:',
  'alert.reminder': ':bell:',
  'alert.flapping': ':left_right_arrow:',
  'alert.settled': ':warning:',
  'alert.resolved': ':white_check_mark:',
  'alert.test': ':wave:',
};

export function slackMessage(notification: AlertNotification): Record<string, unknown> {
  const { data } = notification;
  const fields = [
    ['Subject', data.subject.worker ?? 'the fleet'],
    ['Status', data.healthStatus ?? '-'],
    ['Score', data.score === null ? '-' : data.score.toFixed(4)],
    ['Rule', data.alert?.rule ?? '-'],
  ].map(([label, value]) => ({ type: 'mrkdwn', text: clip(`*${label}*\n${slackEscape(value!)}`, 2000) }));
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(data.title, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(`${EMOJI[notification.type]} ${slackEscape(data.title)}`, 3000) }, fields },
  ];
  if (data.affectedWorkers.length) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Affected dependants*\n${data.affectedWorkers.map((name) => `• ${slackEscape(name)}`).join('\n')}`, 3000) } });
  }
  if (data.recommendations.length) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`*Recommendations*\n${data.recommendations.map((text, i) => `${i + 1}. ${slackEscape(text)}`).join('\n')}`, 3000) },
    });
  }
  if (data.healthCheck && data.healthCheck.url.length <= 3000) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the run', emoji: false }, url: data.healthCheck.url, action_id: 'open_run' }],
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: clip(slackEscape([`worker-health`, data.alert ? `alert ${data.alert.id}` : 'test', data.healthCheck ? `run ${data.healthCheck.uuid}` : null].filter(Boolean).join(' · ')), 3000) }],
  });
  return { text: clip(data.title, 3000), blocks };
}

// ── Discord ────────────────────────────────────────────────────────────────────────────────────

const COLOUR = { critical: 0xe74c3c, unhealthy: 0xe67e22, degraded: 0xf1c40f, good: 0x2ecc71, neutral: 0x95a5a6 } as const;

function discordColour(notification: AlertNotification): number {
  if (notification.type === 'alert.resolved') return COLOUR.good;
  switch (notification.data.healthStatus) {
    case 'CRITICAL':
      return COLOUR.critical;
    case 'UNHEALTHY':
      return COLOUR.unhealthy;
    case 'DEGRADED':
      return COLOUR.degraded;
    case 'HEALTHY':
      return COLOUR.good;
    default:
      return COLOUR.neutral;
  }
}

export function discordMessage(notification: AlertNotification): Record<string, unknown> {
  const { data } = notification;
  const fields: { name: string; value: string; inline?: boolean }[] = [
    { name: 'Subject', value: data.subject.worker ?? 'the fleet', inline: true },
    { name: 'Status', value: data.healthStatus ?? '-', inline: true },
    { name: 'Score', value: data.score === null ? '-' : data.score.toFixed(4), inline: true },
  ];
  if (data.alert) fields.push({ name: 'Rule', value: clip(data.alert.rule, 1024), inline: true });
  if (data.affectedWorkers.length) fields.push({ name: 'Affected dependants', value: clip(data.affectedWorkers.join(', '), 1024) });
  if (data.recommendations.length) {
    fields.push({ name: 'Recommendations', value: clip(data.recommendations.map((text, i) => `${i + 1}. ${text}`).join('\n'), 1024) });
  }
  const embed: Record<string, unknown> = {
    title: clip(data.title, 256),
    description: clip(data.text, 2000),
    color: discordColour(notification),
    timestamp: notification.timestamp,
    fields,
    footer: { text: clip(['worker-health', data.alert ? `alert ${data.alert.id}` : 'test'].join(' · '), 2048) },
  };
  if (data.healthCheck && data.healthCheck.url.length <= 2000) embed['url'] = data.healthCheck.url;
  return { username: 'worker-health', embeds: [embed], allowed_mentions: { parse: [] } };
}

// ── PagerDuty ──────────────────────────────────────────────────────────────────────────────────

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** One incident per alert: every event of alert 12 carries `worker-health-alert-12`. */
export const pagerDutyDedupKey = (alertId: string) => `worker-health-alert-${alertId}`;

function pagerDutySeverity(notification: AlertNotification): 'critical' | 'error' | 'warning' | 'info' {
  switch (notification.data.healthStatus) {
    case 'CRITICAL':
      return 'critical';
    case 'UNHEALTHY':
      return 'error';
    case 'DEGRADED':
      return 'warning';
    default:
      return 'info';
  }
}

/**
 * The Events API v2 event for a notification: `resolve` for a resolved alert, `trigger` for
 * everything else (re-triggering an open incident under its dedup_key adds to it, opens nothing new).
 * A test notification is a `trigger` of severity info under a key of its own, which the caller
 * resolves at once.
 */
export function pagerDutyEvent(notification: AlertNotification, routingKey: string, options: { dedupKey?: string; clientUrl?: string } = {}): Record<string, unknown> {
  const { data } = notification;
  const dedupKey = options.dedupKey ?? (data.alert ? pagerDutyDedupKey(data.alert.id) : `worker-health-test-${notification.timestamp}`);
  if (notification.type === 'alert.resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const event: Record<string, unknown> = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: clip(data.title, 1024),
      source: data.subject.worker ?? 'fleet',
      severity: notification.type === 'alert.test' ? 'info' : pagerDutySeverity(notification),
      timestamp: notification.timestamp,
      component: data.subject.worker ?? 'fleet',
      group: 'worker-health',
      class: notification.type,
      custom_details: {
        rule: data.alert?.rule ?? null,
        health_status: data.healthStatus,
        score: data.score,
        recommendations: data.recommendations,
        affected_workers: data.affectedWorkers,
        health_check_uuid: data.healthCheck?.uuid ?? null,
        text: data.text,
      },
    },
    client: 'worker-health',
  };
  if (options.clientUrl) event['client_url'] = options.clientUrl;
  if (data.healthCheck) event['links'] = [{ href: data.healthCheck.url, text: 'The run in worker-health' }];
  return event;
}

/** The resolve that closes a test trigger at once. */
export const pagerDutyResolve = (routingKey: string, dedupKey: string) => ({ routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey });
