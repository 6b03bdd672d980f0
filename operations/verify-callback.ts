import { deriveWorkerSecret, verifyWebhook, WEBHOOK_HEADERS } from '../sdk/src/protocol';
import { unauthenticated } from './errors';

/** A callback whose signature headers and body are all there (see `requireSignature`). */
export interface SignedRequest {
  headers: Headers;
  /** The exact body sent: the signature is over these bytes, not over a re-serialisation. */
  body: string;
}

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
 */
export async function verifyCallback(signingKey: string, workerName: string | null, signed: SignedRequest): Promise<string> {
  // An unknown check answers like a bad signature: no way to probe which uuids exist.
  if (workerName === null) throw unauthenticated("The result's signature was refused: no such worker check.");
  const refused = verifyWebhook(await deriveWorkerSecret(signingKey, workerName), signed.headers, signed.body);
  if (refused !== null) throw unauthenticated(`The result's signature was refused: ${refused}.`);
  return signed.headers.get('webhook-id')!;
}
