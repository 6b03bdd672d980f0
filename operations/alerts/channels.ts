import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ALERT_CHANNEL_KINDS, alertChannels, type AlertChannelKind, type AlertChannelRow } from '../../db/alert-channels';
import type { Db } from '../../db/client';
import { PAGERDUTY_EVENTS_URL } from '../../domain/alerts/channel-formats';
import { testNotification } from '../../domain/alerts/notification';
import type { OperationDeps } from '../deps';
import { badInput, conflict, notFound, parseInput } from '../errors';
import { parseStringList } from '../json-columns';
import { resolvePagerDutyTest, sendNotification, type SendResult } from './send';
import { alertSettings } from './settings';
import { channelUrlProblem, given, nameSchema } from './validation';

/** A PagerDuty integration's routing (integration) key. */
const routingKeySchema = z.string().trim().regex(/^[A-Za-z0-9]{20,64}$/, 'routingKey must be the PagerDuty integration key: 20 to 64 letters and digits');

const createSchema = z.object({
  name: nameSchema,
  kind: z.enum(ALERT_CHANNEL_KINDS),
  url: z.string().trim().optional(),
  routingKey: routingKeySchema.optional(),
  enabled: z.boolean().default(true),
});
export type CreateAlertChannelInput = z.input<typeof createSchema>;

const updateSchema = z.object({
  url: z.string().trim(),
  routingKey: routingKeySchema,
  enabled: z.boolean(),
  rotateSigningSecret: z.boolean(),
});
export type UpdateAlertChannelInput = { [K in keyof z.input<typeof updateSchema>]?: z.input<typeof updateSchema>[K] | null };

export interface ChannelWithSecret {
  channel: AlertChannelRow;
  /** A WEBHOOK channel's signing secret, only when it was just made (creation, rotation). */
  signingSecret: string | null;
}

/** `whsec_` and 32 random bytes in base64: a Standard Webhooks secret any of its libraries accepts. */
export function generateSigningSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/**
 * The URL as the API shows it. Slack and Discord webhook URLs are their own credentials, so only
 * their host and first path segment are shown; a WEBHOOK or PAGERDUTY URL is no secret.
 */
export function displayUrl(channel: Pick<AlertChannelRow, 'kind' | 'url'>): string {
  if (channel.kind !== 'slack' && channel.kind !== 'discord') return channel.url;
  try {
    const url = new URL(channel.url);
    const first = url.pathname.split('/').filter(Boolean)[0];
    return `${url.origin}/${first ? `${first}/` : ''}…`;
  } catch {
    return '…';
  }
}

function checkUrl(url: string, env: Pick<Env, 'ENVIRONMENT'>): void {
  const problem = channelUrlProblem(url, env.ENVIRONMENT);
  if (problem) throw badInput(problem);
}

export async function createAlertChannel(db: Db, env: Pick<Env, 'ENVIRONMENT'>, input: CreateAlertChannelInput): Promise<ChannelWithSecret> {
  const data = parseInput(createSchema, input);
  const url = data.url || (data.kind === 'pagerduty' ? PAGERDUTY_EVENTS_URL : undefined);
  if (!url) throw badInput(`url is required for a ${data.kind.toUpperCase()} channel: its ${data.kind === 'webhook' ? 'receiver' : 'incoming webhook'} URL`);
  checkUrl(url, env);
  if (data.kind === 'pagerduty' && !data.routingKey) throw badInput('routingKey is required for a PAGERDUTY channel: the integration key of an Events API v2 integration');
  if (data.kind !== 'pagerduty' && data.routingKey) throw badInput('routingKey is only for PAGERDUTY channels');
  const signingSecret = data.kind === 'webhook' ? generateSigningSecret() : null;
  const [channel] = await db
    .insert(alertChannels)
    .values({ name: data.name, kind: data.kind, url, secret: signingSecret ?? data.routingKey ?? null, enabled: data.enabled })
    .onConflictDoNothing({ target: alertChannels.name })
    .returning();
  if (!channel) throw conflict(`An alert channel named "${data.name}" already exists.`);
  return { channel, signingSecret };
}

export async function updateAlertChannel(db: Db, env: Pick<Env, 'ENVIRONMENT'>, name: string, input: UpdateAlertChannelInput): Promise<ChannelWithSecret> {
  const data = parseInput(updateSchema.partial(), given(input));
  const existing = await db.query.alertChannels.findFirst({ where: { name } });
  if (!existing) throw notFound(`No alert channel named "${name}".`);
  if (data.url !== undefined) checkUrl(data.url, env);
  if (data.routingKey !== undefined && existing.kind !== 'pagerduty') throw badInput('routingKey is only for PAGERDUTY channels');
  if (data.rotateSigningSecret && existing.kind !== 'webhook') throw badInput('rotateSigningSecret is only for WEBHOOK channels: the others are not signed');
  const signingSecret = data.rotateSigningSecret ? generateSigningSecret() : null;
  const secret = signingSecret ?? data.routingKey;
  const [channel] = await db
    .update(alertChannels)
    .set({
      ...(data.url !== undefined ? { url: data.url } : {}),
      ...(data.enabled !== undefined ? { enabled: data.enabled } : {}),
      ...(secret !== undefined ? { secret } : {}),
      updatedAt: sql`CURRENT_TIMESTAMP`,
    })
    .where(eq(alertChannels.name, name))
    .returning();
  if (!channel) throw notFound(`No alert channel named "${name}".`);
  return { channel, signingSecret };
}

/** Deletes a channel no rule names (CONFLICT naming them otherwise). Its past deliveries stay. */
export async function deleteAlertChannel(db: Db, name: string): Promise<boolean> {
  const existing = await db.query.alertChannels.findFirst({ columns: { id: true }, where: { name } });
  if (!existing) throw notFound(`No alert channel named "${name}".`);
  const rules = await db.query.alertRules.findMany({ columns: { name: true, channels: true }, orderBy: { name: 'asc' } });
  const users = rules.filter((rule) => parseStringList(rule.channels).includes(name)).map((rule) => rule.name);
  if (users.length) {
    throw conflict(`Alert channel "${name}" is used by the rule${users.length === 1 ? '' : 's'} ${users.map((rule) => `"${rule}"`).join(', ')}: take it out of their channels first.`, {
      rules: users,
    });
  }
  const [row] = await db.delete(alertChannels).where(eq(alertChannels.name, name)).returning({ id: alertChannels.id });
  if (!row) throw notFound(`No alert channel named "${name}".`);
  return true;
}

export interface ChannelTestResult extends SendResult {
  ok: boolean;
}

/**
 * Sends a test notification to a channel now (not through the queue, no retries) and reports what
 * the receiver answered. A PAGERDUTY test triggers an info event under a key of its own and
 * resolves it at once.
 */
export async function testAlertChannel(deps: Pick<OperationDeps, 'db' | 'env'>, name: string): Promise<ChannelTestResult> {
  const channel = await deps.db.query.alertChannels.findFirst({ where: { name } });
  if (!channel) throw notFound(`No alert channel named "${name}".`);
  const settings = alertSettings(deps.env);
  const now = new Date();
  const notification = testNotification(channel.name, now);
  const dedupKey = `worker-health-test-${channel.name}-${now.getTime()}`;
  const target = { name: channel.name, kind: channel.kind as AlertChannelKind, url: channel.url, secret: channel.secret };
  const result = await sendNotification(target, notification, {
    messageId: `msg_alert_test_${crypto.randomUUID()}`,
    timeoutMs: settings.timeoutMs,
    publicUrl: settings.publicUrl,
    now,
    dedupKey,
  });
  const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  if (ok && channel.kind === 'pagerduty') await resolvePagerDutyTest(target, dedupKey, settings.timeoutMs);
  return { ...result, ok };
}
