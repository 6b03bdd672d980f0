// What a delivery attempt's answer means, and when to try again. Pure.
//
// Retried: network errors (the receiver could not be reached, or did not answer within the
// timeout), 5xx and 429. Everything else is final: 2xx delivered; any other status (a 4xx, or a
// 3xx: redirects are not followed, so a signed body never goes somewhere else) refused, recorded and
// not retried. Retries wait `base × 2^(attempt − 1)` seconds (30 s, 1 min, 2 min, … by default), at
// most `MAX_DELAY_SECONDS`; a 429's Retry-After is honoured when it asks for longer.

/** Cloudflare Queues accepts a retry delay of up to 12 hours; one hour is plenty here. */
export const MAX_DELAY_SECONDS = 3600;
export const DEFAULT_RETRY_BASE_SECONDS = 30;

export type AttemptVerdict = { kind: 'delivered' } | { kind: 'retry'; delaySeconds: number } | { kind: 'failed' };

export function retryDelaySeconds(attempt: number, baseSeconds = DEFAULT_RETRY_BASE_SECONDS, retryAfterSeconds: number | null = null): number {
  const exponential = baseSeconds * 2 ** Math.max(0, attempt - 1);
  return Math.min(MAX_DELAY_SECONDS, Math.max(Math.round(exponential), retryAfterSeconds ?? 0));
}

/** Retry-After as seconds from `now`: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

export const isRetryableStatus = (status: number) => status === 429 || status >= 500;

/** The verdict on one attempt: `status` null when no answer came (network error, timeout). */
export function judgeAttempt(
  status: number | null,
  attempt: number,
  options: { baseSeconds?: number; retryAfter?: string | null; now?: Date } = {},
): AttemptVerdict {
  if (status !== null && status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === null || isRetryableStatus(status)) {
    const retryAfter = status === 429 ? parseRetryAfter(options.retryAfter ?? null, options.now ?? new Date()) : null;
    return { kind: 'retry', delaySeconds: retryDelaySeconds(attempt, options.baseSeconds, retryAfter) };
  }
  return { kind: 'failed' };
}
