/**
 * A test-only receiver for alert notifications, run in Node (vitest.config.ts starts one for the
 * workerd tests, the e2e tests their own): the orchestrator reaches it over plain HTTP on localhost,
 * the way it would reach Slack, Discord, PagerDuty or a customer's webhook, and it checks every
 * request the way the receiving side would:
 *
 * - `POST /webhook/<id>`: Standard Webhooks, verified with the official `standardwebhooks`
 *   library (`Webhook.verify`) against the secret registered for <id> (`PUT /secrets/<id>`), and
 *   the payload's `type`, `timestamp`, `data`;
 * - `POST /slack/<id>`: an incoming-webhook body checked against Slack's Block Kit reference
 *   (block types and their text limits); answers `ok`, or 400 `invalid_blocks` as Slack does;
 * - `POST /discord/<id>`: an Execute Webhook body checked against Discord's documented limits
 *   (content, embeds, fields, 6000 characters in all); answers 204, or 400;
 * - `POST /pagerduty/<id>`: an Events API v2 event checked against PagerDuty's schema (routing_key,
 *   event_action, dedup_key, payload for triggers); answers 202 with the dedup_key, or 400.
 *
 * `?script=500,500,200` scripts the answers to successive requests for <id> (the last repeats);
 * `hang` never answers. `GET /received/<id>` lists what arrived: headers, body, the answer given,
 * and the problems found (empty when the request was what the receiver expects).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';

export interface ReceivedRequest {
  kind: string;
  id: string;
  /** 1 for the first request of this id. */
  number: number;
  headers: Record<string, string>;
  body: string;
  /** What the receiver answered: a status, or "hang". */
  answer: number | 'hang';
  /** Empty when the request is what the receiving side expects (signature, schema). */
  problems: string[];
  at: number;
}

// ── The receivers' documented formats ──────────────────────────────────────────────────────────

const text = (max: number) => z.string().min(1).max(max);
const plainText = (max: number) => z.object({ type: z.literal('plain_text'), text: text(max), emoji: z.boolean().optional() });
const mrkdwn = (max: number) => z.object({ type: z.literal('mrkdwn'), text: text(max), verbatim: z.boolean().optional() });
const slackUrl = z.string().url().max(3000);

/** Slack Block Kit (https://docs.slack.dev/reference/block-kit/blocks): the blocks a message may use here. */
const slackBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), text: plainText(150), block_id: z.string().max(255).optional() }),
  z.object({
    type: z.literal('section'),
    text: z.union([mrkdwn(3000), plainText(3000)]).optional(),
    fields: z.array(z.union([mrkdwn(2000), plainText(2000)])).max(10).optional(),
    block_id: z.string().max(255).optional(),
  }).refine((block) => block.text || block.fields, 'a section needs text or fields'),
  z.object({
    type: z.literal('actions'),
    elements: z.array(z.object({ type: z.literal('button'), text: plainText(75), url: slackUrl.optional(), action_id: z.string().max(255).optional(), value: z.string().max(2000).optional() })).min(1).max(25),
  }),
  z.object({ type: z.literal('context'), elements: z.array(z.union([mrkdwn(3000), plainText(3000)])).min(1).max(10) }),
  z.object({ type: z.literal('divider') }),
]);
export const slackMessageSchema = z.object({ text: z.string().max(40000).optional(), blocks: z.array(slackBlock).min(1).max(50) }).refine((m) => m.text || m.blocks, 'no_text');

/** Discord Execute Webhook (https://discord.com/developers/docs/resources/webhook#execute-webhook) and embed limits. */
const discordEmbed = z.object({
  title: z.string().max(256).optional(),
  description: z.string().max(4096).optional(),
  url: z.string().url().optional(),
  timestamp: z.string().datetime({ offset: true }).optional(),
  color: z.number().int().min(0).max(0xffffff).optional(),
  footer: z.object({ text: z.string().min(1).max(2048), icon_url: z.string().url().optional() }).optional(),
  fields: z.array(z.object({ name: z.string().min(1).max(256), value: z.string().min(1).max(1024), inline: z.boolean().optional() })).max(25).optional(),
});
export const discordMessageSchema = z
  .object({
    content: z.string().max(2000).optional(),
    username: z.string().min(1).max(80).optional(),
    embeds: z.array(discordEmbed).max(10).optional(),
    allowed_mentions: z.object({ parse: z.array(z.enum(['roles', 'users', 'everyone'])) }).optional(),
  })
  .refine((m) => m.content || (m.embeds && m.embeds.length > 0), 'Cannot send an empty message')
  .refine(
    (m) =>
      (m.embeds ?? []).reduce(
        (sum, e) => sum + (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.fields ?? []).reduce((s, f) => s + f.name.length + f.value.length, 0),
        0,
      ) <= 6000,
    'embeds exceed 6000 characters',
  );

/** PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/, resolve-events). */
export const pagerDutyEventSchema = z.discriminatedUnion('event_action', [
  z.object({
    routing_key: z.string().length(32),
    event_action: z.literal('trigger'),
    dedup_key: z.string().min(1).max(255).optional(),
    payload: z.object({
      summary: z.string().min(1).max(1024),
      source: z.string().min(1),
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      timestamp: z.string().datetime({ offset: true }).optional(),
      component: z.string().optional(),
      group: z.string().optional(),
      class: z.string().optional(),
      custom_details: z.record(z.string(), z.unknown()).optional(),
    }),
    images: z.array(z.object({ src: z.string().url() })).optional(),
    links: z.array(z.object({ href: z.string().url(), text: z.string().optional() })).optional(),
    client: z.string().optional(),
    client_url: z.string().url().optional(),
  }),
  z.object({ routing_key: z.string().length(32), event_action: z.enum(['acknowledge', 'resolve']), dedup_key: z.string().min(1).max(255) }),
]);

/** The generic webhook's payload (the orchestrator's own documented shape, Standard Webhooks style). */
export const webhookPayloadSchema = z.object({
  type: z.enum(['alert.opened', 'alert.reminder', 'alert.flapping', 'alert.settled', 'alert.resolved', 'alert.test']),
  timestamp: z.string().datetime(),
  data: z.object({
    alert: z.object({ id: z.string().regex(/^\d+$/), rule: z.string(), status: z.enum(['OPEN', 'ACKNOWLEDGED', 'RESOLVED']), flapping: z.boolean(), openedAt: z.string() }).nullable(),
    subject: z.object({ kind: z.enum(['WORKER', 'FLEET']), worker: z.string().nullable() }),
    healthStatus: z.enum(['HEALTHY', 'DEGRADED', 'UNHEALTHY', 'CRITICAL']).nullable(),
    score: z.number().nullable(),
    title: z.string().min(1),
    text: z.string(),
    recommendations: z.array(z.string()),
    affectedWorkers: z.array(z.string()),
    healthCheck: z.object({ uuid: z.string(), url: z.string().url() }).nullable(),
  }),
});

const issues = (error: z.ZodError) => error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);

function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false };
  }
}

// ── The receiver ───────────────────────────────────────────────────────────────────────────────

export function createAlertReceiver() {
  const received = new Map<string, ReceivedRequest[]>();
  const secrets = new Map<string, string>();

  /** A response, or "hang" to answer nothing. */
  async function handle(method: string, url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; body: string; type?: string } | 'hang'> {
    const [kind, id] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (method === 'PUT' && kind === 'secrets' && id) {
      secrets.set(id, body);
      return { status: 204, body: '' };
    }
    if (method === 'GET' && kind === 'received' && id) return { status: 200, body: JSON.stringify(received.get(id) ?? []), type: 'application/json' };
    if (method !== 'POST' || !id || !['webhook', 'slack', 'discord', 'pagerduty'].includes(kind!)) return { status: 404, body: 'not found' };

    const list = received.get(id) ?? [];
    const number = list.length + 1;
    const script = (url.searchParams.get('script') ?? '').split(',').filter(Boolean);
    const scripted = script.length ? script[Math.min(number - 1, script.length - 1)]! : null;
    const problems: string[] = [];
    const json = parseJson(body);
    let okStatus = 200;
    let okBody = 'ok';
    if (!json.ok) problems.push('the body is not JSON');
    else if (kind === 'webhook') {
      const secret = secrets.get(id);
      if (!secret) problems.push(`no secret registered for ${id}`);
      else {
        try {
          new Webhook(secret).verify(body, headers);
        } catch (error) {
          problems.push(`signature: ${(error as Error).message}`);
        }
      }
      const parsed = webhookPayloadSchema.safeParse(json.value);
      if (!parsed.success) problems.push(...issues(parsed.error));
      okStatus = 204;
      okBody = '';
    } else if (kind === 'slack') {
      const parsed = slackMessageSchema.safeParse(json.value);
      if (!parsed.success) problems.push(...issues(parsed.error));
    } else if (kind === 'discord') {
      const parsed = discordMessageSchema.safeParse(json.value);
      if (!parsed.success) problems.push(...issues(parsed.error));
      okStatus = 204;
      okBody = '';
    } else {
      const parsed = pagerDutyEventSchema.safeParse(json.value);
      if (!parsed.success) problems.push(...issues(parsed.error));
      okStatus = 202;
      okBody = JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: (json.value as { dedup_key?: string }).dedup_key ?? null });
    }

    const answer: number | 'hang' = scripted === 'hang' ? 'hang' : scripted ? Number(scripted) : problems.length ? 400 : okStatus;
    list.push({ kind: kind!, id, number, headers, body, answer, problems, at: Date.now() });
    received.set(id, list);
    if (answer === 'hang') return 'hang';
    if (answer >= 200 && answer < 300) return { status: answer === okStatus ? okStatus : answer, body: answer === okStatus ? okBody : '' };
    return { status: answer, body: problems.length ? problems.join('; ') : `scripted ${answer}` };
  }

  return { handle, received };
}

/** Starts a receiver on localhost (a free port unless given). */
export async function startAlertReceiver(port = 0): Promise<{ url: string; received: Map<string, ReceivedRequest[]>; close(): Promise<void> }> {
  const receiver = createAlertReceiver();
  const hanging = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
      void receiver.handle(req.method ?? 'GET', new URL(req.url ?? '/', 'http://localhost'), headers, Buffer.concat(chunks).toString('utf8')).then(
        (answer) => {
          if (answer === 'hang') {
            hanging.add(res);
            res.on('close', () => hanging.delete(res));
            return;
          }
          res.writeHead(answer.status, answer.type ? { 'content-type': answer.type } : {});
          res.end(answer.body);
        },
        (error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  server.unref();
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    received: receiver.received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
