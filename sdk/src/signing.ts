/**
 * Standard Webhooks signing (docs/worker-protocol.md): the orchestrator signs each dispatch and the
 * worker each result, both with the worker's own secret.
 *
 * This file imports nothing but `standardwebhooks` so the orchestrator and `npm start` can import it
 * alone: they must derive exactly the secrets the workers sign with.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

const SECRET_PREFIX = 'whsec_';
const DERIVATION_PREFIX = 'worker-health:';

/**
 * A worker's own secret, `whsec_<base64 HMAC-SHA256(signingKey, "worker-health:" + workerName)>`.
 * The orchestrator derives it on demand from its `HEALTH_CHECK_SIGNING_KEY`, so it stores none.
 */
export async function deriveWorkerSecret(signingKey: string, workerName: string): Promise<string> {
  if (!signingKey) throw new Error('deriveWorkerSecret: the signing key is empty');
  if (!workerName) throw new Error('deriveWorkerSecret: the worker name is empty');
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', encoder.encode(signingKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(DERIVATION_PREFIX + workerName));
  return SECRET_PREFIX + bytesToBase64(new Uint8Array(mac));
}

/**
 * The `webhook-signature` header value for one delivery: `v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`
 * where the key is the secret's decoded bytes.
 *
 * @param secret `whsec_<base64>`
 * @param id the `webhook-id` header
 * @param timestamp Unix seconds, the `webhook-timestamp` header
 * @param body the exact request body
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return webhookFor(secret).sign(id, new Date(timestamp * 1000), body);
}

/** The headers a signed request carries. */
export const WEBHOOK_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/**
 * The headers of a signed JSON request, dispatch or result alike: `content-type` and the three
 * Standard Webhooks headers over exactly `body`. The one place they are built, so the orchestrator,
 * the SDK and the tests sign the same way.
 *
 * @param timestamp Unix seconds; default now. Sign just before sending: the receiver allows five minutes.
 */
export function signedHeaders(secret: string, id: string, body: string, timestamp: number = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, id, timestamp, body),
  };
}

/** Tolerance of `webhook-timestamp` either way, seconds (fixed by `standardwebhooks`). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/**
 * Checks a signed request with `standardwebhooks`' `Webhook.verify`: all three headers present, the
 * timestamp within five minutes of now either way, and a `v1` signature over `"id.timestamp.body"`
 * matching `secret` (compared in constant time). Returns why it is refused, or `null` when it holds.
 * Throws only when `secret` itself is unusable (see `assertWorkerSecret`).
 */
export function verifyWebhook(secret: string, headers: Headers, body: string): string | null {
  const webhook = webhookFor(secret);
  const values: Record<string, string> = {};
  for (const name of WEBHOOK_HEADERS) values[name] = headers.get(name) ?? '';
  const missing = WEBHOOK_HEADERS.filter((name) => values[name] === '');
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  try {
    webhook.verify(body, values, { jsonParse: false });
    return null;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.message;
    throw error;
  }
}

/** Throws with a clear message unless `secret` is a usable `whsec_<base64>` secret. */
export function assertWorkerSecret(secret: unknown): asserts secret is string {
  if (typeof secret !== 'string' || secret.length === 0) throw new Error('HEALTH_CHECK_SECRET is not set');
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error(`HEALTH_CHECK_SECRET must look like ${SECRET_PREFIX}<base64>`);
  webhookFor(secret);
}

function webhookFor(secret: string): Webhook {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error(`The signing secret must look like ${SECRET_PREFIX}<base64>`);
  try {
    return new Webhook(secret);
  } catch (error) {
    throw new Error(`The signing secret is not ${SECRET_PREFIX}<base64>: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
