import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { deriveWorkerSecret } from '../sdk/src/signing';
import { unauthenticated } from './errors';

const HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/**
 * Verifies a worker callback's Standard Webhooks signature over the exact body it sent, with
 * that worker's own secret (derived from HEALTH_CHECK_SIGNING_KEY and its name). The library
 * compares in constant time and refuses timestamps more than five minutes off either way.
 * Returns the `webhook-id`, which the caller consumes with the result.
 */
export async function verifyCallback(
  signingKey: string,
  workerName: string | null,
  headers: Headers | null,
  rawBody: string | null,
): Promise<string> {
  const { values, body } = signatureHeaders(headers, rawBody);
  // An unknown check answers like a bad signature: no way to probe which uuids exist.
  if (workerName === null) throw unauthenticated("The result's signature was refused: no such worker check.");
  try {
    new Webhook(await deriveWorkerSecret(signingKey, workerName)).verify(body, values);
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      throw unauthenticated(`The result's signature was refused: ${error.message}.`);
    }
    throw error;
  }
  return values['webhook-id']!;
}

/** The signature headers, or UNAUTHENTICATED before anything is looked up. */
export function signatureHeaders(headers: Headers | null, rawBody: string | null): { values: Record<string, string>; body: string } {
  const values = Object.fromEntries(HEADERS.map((name) => [name, headers?.get(name) ?? '']));
  const missing = HEADERS.filter((name) => !values[name]);
  if (missing.length || rawBody === null) {
    throw unauthenticated(`A worker result must be signed: missing ${missing.join(', ') || 'the request body'}.`);
  }
  return { values, body: rawBody };
}
