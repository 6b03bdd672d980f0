/**
 * Dispatches as the orchestrator sends them (durable/health-check-run.ts): the JSON body signed
 * Standard-Webhooks style with the worker's own secret, or deliberately not.
 */
import { signWebhook } from '../../sdk/src/signing';

export interface DispatchSigning {
  /** The secret to sign with; `null` sends no signature headers at all. */
  secret: string | null;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Default `dispatch_<random uuid>`. */
  id?: string;
  /** Sent instead of the computed signature. */
  signature?: string;
  /** Signature headers to leave out. */
  omit?: ('webhook-id' | 'webhook-timestamp' | 'webhook-signature')[];
}

/** The headers of a signed dispatch of `body`. */
export function dispatchHeaders(body: string, signing: DispatchSigning): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signing.secret === null) return headers;
  const id = signing.id ?? `dispatch_${crypto.randomUUID()}`;
  const timestamp = signing.timestamp ?? Math.floor(Date.now() / 1000);
  headers['webhook-id'] = id;
  headers['webhook-timestamp'] = String(timestamp);
  headers['webhook-signature'] = signing.signature ?? signWebhook(signing.secret, id, timestamp, body);
  for (const name of signing.omit ?? []) delete headers[name];
  return headers;
}

/** `POST <origin>/health-check/execute` with `body` (an object is sent as JSON), signed as told. */
export function dispatchRequest(origin: string, body: unknown, signing: DispatchSigning): Request {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Request(`${origin}/health-check/execute`, { method: 'POST', headers: dispatchHeaders(text, signing), body: text });
}
