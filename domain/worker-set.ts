/**
 * A run's set of workers as one short key, so that runs of the same workers can be found by
 * equality (health_checks.worker_set_key): `<count>:<first 32 hex digits of the SHA-256 of the
 * sorted, distinct names joined by newlines>`. The order the workers were checked in, and how
 * the run's filters were spelled, do not matter; only which workers it checked.
 */
export async function workerSetKey(workerNames: readonly string[]): Promise<string> {
  const names = [...new Set(workerNames)].sort();
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(names.join('\n')));
  const hex = [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${names.length}:${hex.slice(0, 32)}`;
}
