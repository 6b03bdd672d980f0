import { DEFAULT_RETRY_BASE_SECONDS } from '../../domain/alerts/backoff';

/** How long one delivery attempt waits for the receiver's answer. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

function positive(value: string | undefined, fallback: number, { allowZero = false } = {}): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) && (n > 0 || (allowZero && n === 0)) ? n : fallback;
}

/** The optional ALERT_* vars (env.d.ts), with their defaults. */
export function alertSettings(env: Pick<Env, 'ALERT_DELIVERY_TIMEOUT_MS' | 'ALERT_RETRY_BASE_SECONDS' | 'PUBLIC_URL'>) {
  const timeoutMs = positive(env.ALERT_DELIVERY_TIMEOUT_MS, DEFAULT_DELIVERY_TIMEOUT_MS);
  return {
    timeoutMs,
    retryBaseSeconds: positive(env.ALERT_RETRY_BASE_SECONDS, DEFAULT_RETRY_BASE_SECONDS, { allowZero: true }),
    /** A claim older than this was left by a consumer that died mid-send: another may take it over. */
    claimLeaseMs: Math.max(60_000, 3 * timeoutMs),
    publicUrl: env.PUBLIC_URL || 'http://localhost:8787',
  };
}
