/**
 * Dispatches as the orchestrator sends them (durable/health-check-run.ts): the JSON body signed
 * Standard-Webhooks style with the worker's own secret, or deliberately not.
 */
import { dispatchWebhookId, signedHeaders, type WEBHOOK_HEADERS } from '../../sdk/src/protocol';

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
  omit?: (typeof WEBHOOK_HEADERS)[number][];
}

/** The headers of a signed dispatch of `body`. */
export function dispatchHeaders(body: string, signing: DispatchSigning): Record<string, string> {
  if (signing.secret === null) return { 'content-type': 'application/json' };
  const headers = signedHeaders(signing.secret, signing.id ?? dispatchWebhookId(crypto.randomUUID()), body, signing.timestamp);
  if (signing.signature !== undefined) headers['webhook-signature'] = signing.signature;
  for (const name of signing.omit ?? []) delete headers[name];
  return headers;
}

/** `POST <origin>/health-check/execute` with `body` (an object is sent as JSON), signed as told. */
export function dispatchRequest(origin: string, body: unknown, signing: DispatchSigning): Request {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Request(`${origin}/health-check/execute`, { method: 'POST', headers: dispatchHeaders(text, signing), body: text });
}
