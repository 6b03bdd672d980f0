import type { AlertChannelKind } from '../../db/alert-channels';
import { discordMessage, pagerDutyEvent, pagerDutyResolve, slackMessage } from '../../domain/alerts/channel-formats';
import type { AlertNotification } from '../../domain/alerts/notification';
import { signWebhook } from '../../sdk/src/signing';

export interface ChannelTarget {
  name: string;
  kind: AlertChannelKind;
  url: string;
  /** WEBHOOK: the whsec_ signing secret; PAGERDUTY: the routing key. */
  secret: string | null;
}

export interface SendResult {
  /** Null when no answer came (network error, timeout). */
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  retryAfter: string | null;
  /** The start of the answer's body, for testAlertChannel. */
  responseBody: string | null;
}

export interface SendOptions {
  /**
   * The Standard Webhooks `webhook-id`: the same for every attempt of one delivery, so a receiver
   * can drop a copy it already processed.
   */
  messageId: string;
  timeoutMs: number;
  publicUrl: string;
  now?: Date;
  /** PAGERDUTY: the event's dedup_key (an alert's own by default). */
  dedupKey?: string;
}

const USER_AGENT = 'worker-health-alerts/1';
const BODY_PREVIEW = 500;

/** The HTTP request a notification becomes on a channel. */
export function requestFor(target: ChannelTarget, notification: AlertNotification, options: SendOptions): { url: string; init: RequestInit } {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT };
  let body: string;
  switch (target.kind) {
    case 'webhook': {
      body = JSON.stringify(notification);
      if (!target.secret) throw new Error(`Channel ${target.name} has no signing secret`);
      const timestamp = Math.floor((options.now ?? new Date()).getTime() / 1000);
      headers['webhook-id'] = options.messageId;
      headers['webhook-timestamp'] = String(timestamp);
      headers['webhook-signature'] = signWebhook(target.secret, options.messageId, timestamp, body);
      break;
    }
    case 'slack':
      body = JSON.stringify(slackMessage(notification));
      break;
    case 'discord':
      body = JSON.stringify(discordMessage(notification));
      break;
    case 'pagerduty':
      if (!target.secret) throw new Error(`Channel ${target.name} has no routing key`);
      body = JSON.stringify(pagerDutyEvent(notification, target.secret, { clientUrl: options.publicUrl, ...(options.dedupKey ? { dedupKey: options.dedupKey } : {}) }));
      break;
  }
  // Redirects are not followed: a signed notification goes where it was configured to, or nowhere.
  return { url: target.url, init: { method: 'POST', headers, body, redirect: 'manual' } };
}

async function post(url: string, init: RequestInit, timeoutMs: number): Promise<SendResult> {
  const started = Date.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text().catch(() => '');
    const ok = response.status >= 200 && response.status < 300;
    return {
      statusCode: response.status,
      latencyMs: Date.now() - started,
      error: ok ? null : `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
      retryAfter: response.headers.get('retry-after'),
      responseBody: text ? text.slice(0, BODY_PREVIEW) : null,
    };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return {
      statusCode: null,
      latencyMs: Date.now() - started,
      error: timedOut ? `no answer within ${timeoutMs} ms` : `could not reach the receiver: ${error instanceof Error ? error.message : String(error)}`,
      retryAfter: null,
      responseBody: null,
    };
  }
}

/** Sends one notification to one channel, once, and says what came back. Never throws for the receiver's sake. */
export async function sendNotification(target: ChannelTarget, notification: AlertNotification, options: SendOptions): Promise<SendResult> {
  const { url, init } = requestFor(target, notification, options);
  return post(url, init, options.timeoutMs);
}

/** PAGERDUTY test notifications are resolved straight away, so a test leaves no incident open. */
export async function resolvePagerDutyTest(target: ChannelTarget, dedupKey: string, timeoutMs: number): Promise<SendResult> {
  const body = JSON.stringify(pagerDutyResolve(target.secret ?? '', dedupKey));
  return post(target.url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT }, body, redirect: 'manual' }, timeoutMs);
}
