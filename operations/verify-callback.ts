import { deriveWorkerSecret, verifyWebhook, WEBHOOK_HEADERS } from '../sdk/src/protocol';
import { unauthenticated } from './errors';

/** A callback whose signature headers and body are all there (see `requireSignature`). */
export interface SignedRequest {
  headers: Headers;
  /** The exact body sent: the signature is over these bytes, not over a re-serialisation. */
  body: string;
}

/**
 * The one refusal of a signature, whether the worker check is unknown or the signature does not
 * match: nothing in it differs between the two, so the answer says nothing about which uuids exist.
 */
export const SIGNATURE_REFUSED = "The result's signature was refused.";

/**
 * A refused timestamp is said as such: the timestamp is checked before any secret is used, the same
 * way for every uuid, so saying it tells a caller nothing about the check, and it tells a worker
 * whose clock is off what to fix.
 */
export const TIMESTAMP_REFUSED = "The result's signature was refused: its webhook-timestamp is more than five minutes from the orchestrator's clock.";

/** The name an unknown check's callback is verified against, so both cases do the same work. */
const NO_WORKER = '\u0000no such worker check';

/** The signature headers and body, or UNAUTHENTICATED before anything is looked up. */
export function requireSignature(headers: Headers | null, rawBody: string | null): SignedRequest {
  const missing = WEBHOOK_HEADERS.filter((name) => !headers?.get(name));
  if (headers === null || missing.length > 0 || rawBody === null) {
    throw unauthenticated(`A worker result must be signed: missing ${missing.join(', ') || 'the request body'}.`);
  }
  return { headers, body: rawBody };
}

/**
 * Verifies a worker callback's Standard Webhooks signature with that worker's own secret (derived
 * from HEALTH_CHECK_SIGNING_KEY and its name), by the SDK's own verifier: constant-time, timestamps
 * more than five minutes off either way refused, and the body left unparsed (GraphQL has parsed it
 * once already). Returns the `webhook-id`, which the caller consumes with the result.
 *
 * An unknown check (`workerName` null) is verified too, against a secret no worker has, and refused
 * in the same words as a signature that does not match, so the answer, and the work done for it, do
 * not tell which worker-check uuids exist.
 */
export async function verifyCallback(signingKey: string, workerName: string | null, signed: SignedRequest): Promise<string> {
  const refused = verifyWebhook(await deriveWorkerSecret(signingKey, workerName ?? NO_WORKER), signed.headers, signed.body);
  if (refused !== null && /timestamp/i.test(refused)) throw unauthenticated(TIMESTAMP_REFUSED);
  if (refused !== null || workerName === null) throw unauthenticated(SIGNATURE_REFUSED);
  return signed.headers.get('webhook-id')!;
}
