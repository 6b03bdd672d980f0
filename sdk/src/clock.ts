/**
 * When this isolate started, for `uptimeSeconds`.
 *
 * Locally (workerd under wrangler) `Date.now()` at module scope is the real time, so the start is
 * the moment the module loaded. Deployed, the clock reads 0 outside a request (no I/O has happened
 * yet: Spectre mitigation), so the start is taken at the first request that reaches the SDK and
 * uptime is then "since this isolate's first health-check request". Never a made-up number.
 */
const loadedAt = Date.now();
let isolateStartedAt: number | undefined = loadedAt > 0 ? loadedAt : undefined;

/** Records the isolate's start if the module could not; call at the start of request handling. */
export function markIsolateStart(): void {
  isolateStartedAt ??= Date.now();
}

/** Whole seconds since the isolate started. */
export function uptimeSeconds(): number {
  markIsolateStart();
  return Math.max(0, Math.floor((Date.now() - isolateStartedAt!) / 1000));
}

/**
 * A monotonic millisecond clock for durations. Deployed Workers advance it only on I/O, so a purely
 * CPU-bound stretch measures as 0 there; in local development it is real time.
 */
export function now(): number {
  return performance.now();
}
