import { describe, expect, it } from 'vitest';
import { HEALTH_STATUS_THRESHOLDS, healthStatusFor, healthStatusRange } from '../../domain/health-status';

describe('healthStatusFor', () => {
  it.each([
    [1, 'healthy'],
    [0.9, 'healthy'],
    [0.8999, 'degraded'],
    [0.895, 'degraded'],
    [0.89, 'degraded'],
    [0.7, 'degraded'],
    [0.6999, 'unhealthy'],
    [0.695, 'unhealthy'],
    [0.4, 'unhealthy'],
    [0.3999, 'critical'],
    [0, 'critical'],
  ] as const)('%s is %s', (score, status) => {
    expect(healthStatusFor(score)).toBe(status);
  });

  it('treats a score that is not a number as critical', () => {
    expect(healthStatusFor(Number.NaN)).toBe('critical');
  });

  it('exports the seed thresholds, highest band first', () => {
    expect(HEALTH_STATUS_THRESHOLDS.map((band) => [band.status, band.min])).toEqual([
      ['healthy', 0.9],
      ['degraded', 0.7],
      ['unhealthy', 0.4],
      ['critical', 0],
    ]);
    expect(healthStatusRange('degraded')).toBe('0.7–0.89');
    expect(healthStatusRange('critical')).toBe('0.0–0.39');
  });
});
