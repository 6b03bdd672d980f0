import type { HealthStatus } from '../db/worker-health-checks';

/**
 * Health-status bands (the seed's "Health Score Thresholds"). A score belongs to the first band,
 * top down, whose `min` it reaches; `min` is inclusive and the band above starts where this one
 * ends, so there are no gaps: 0.895 is degraded, 0.8999 is degraded, 0.9 is healthy.
 *
 * | status    | score            | seed's wording |
 * |-----------|------------------|----------------|
 * | healthy   | 0.9 ≤ s          | 0.9–1.0        |
 * | degraded  | 0.7 ≤ s < 0.9    | 0.7–0.89       |
 * | unhealthy | 0.4 ≤ s < 0.7    | 0.4–0.69       |
 * | critical  | s < 0.4          | 0.0–0.39       |
 */
export const HEALTH_STATUS_THRESHOLDS = [
  { status: 'healthy', min: 0.9, range: '0.9–1.0' },
  { status: 'degraded', min: 0.7, range: '0.7–0.89' },
  { status: 'unhealthy', min: 0.4, range: '0.4–0.69' },
  { status: 'critical', min: 0, range: '0.0–0.39' },
] as const satisfies readonly { status: HealthStatus; min: number; range: string }[];

/** The health status of a score in [0, 1]. A score that is not a number (NaN) is critical. */
export function healthStatusFor(score: number): HealthStatus {
  for (const band of HEALTH_STATUS_THRESHOLDS) {
    if (score >= band.min) return band.status;
  }
  return 'critical';
}

/** The seed's wording of a status's score range, e.g. `degraded` → `0.7–0.89`. */
export function healthStatusRange(status: HealthStatus): string {
  return HEALTH_STATUS_THRESHOLDS.find((band) => band.status === status)!.range;
}
