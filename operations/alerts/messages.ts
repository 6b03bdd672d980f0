/**
 * What travels on the alerts queue (wrangler.toml ALERTS_QUEUE, consumed by index.ts `queue`):
 * "evaluate the alert rules for this finished run", and "send this one delivery". Messages carry ids
 * only; everything else is read from D1 when the message is handled, so a late or repeated message
 * acts on the current state.
 */
export type AlertQueueMessage =
  | { kind: 'evaluate'; healthCheckUuid: string }
  /** `waits`: how often it was put back to let an earlier notification of its alert go first. */
  | { kind: 'deliver'; deliveryId: number; waits?: number };

/** The dead-letter queue's name is the queue's with this suffix (wrangler.toml). */
export const DEAD_LETTER_SUFFIX = '-dlq';

/** Narrows a queue message body, or null when it is not one of ours. */
export function parseAlertMessage(body: unknown): AlertQueueMessage | null {
  if (typeof body !== 'object' || body === null) return null;
  const value = body as Record<string, unknown>;
  if (value['kind'] === 'evaluate' && typeof value['healthCheckUuid'] === 'string' && value['healthCheckUuid'] !== '') {
    return { kind: 'evaluate', healthCheckUuid: value['healthCheckUuid'] };
  }
  if (value['kind'] === 'deliver' && Number.isSafeInteger(value['deliveryId'])) {
    const waits = Number.isSafeInteger(value['waits']) ? (value['waits'] as number) : 0;
    return { kind: 'deliver', deliveryId: value['deliveryId'] as number, ...(waits ? { waits } : {}) };
  }
  return null;
}
