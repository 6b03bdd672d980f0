import { describe, expect, it } from 'vitest';
import { fitLine, nextWorseBand, predictBandCrossing, trendOf, uptimeOf, type ScorePoint } from '../../domain/trends';

const DAY = 86_400_000;
const START = Date.parse('2026-11-01T00:00:00Z');

/** One point a day from START, with the given scores. */
export function daily(scores: number[]): ScorePoint[] {
  return scores.map((score, i) => ({ at: new Date(START + i * DAY), score }));
}

describe('least squares', () => {
  it('fits an exact line', () => {
    const fit = fitLine(daily([1, 0.98, 0.96, 0.94]))!;
    expect(fit.slopePerDay).toBeCloseTo(-0.02, 10);
    expect(fit.intercept).toBeCloseTo(1, 10);
    expect(fit.rSquared).toBeCloseTo(1, 10);
    expect(fit.points).toBe(4);
  });

  it('cannot fit fewer than two points or points at one instant', () => {
    expect(fitLine(daily([1]))).toBeNull();
    expect(fitLine([{ at: new Date(START), score: 1 }, { at: new Date(START), score: 0.5 }])).toBeNull();
  });
});

describe('trends', () => {
  it('rising, falling and flat histories', () => {
    expect(trendOf(daily([0.6, 0.65, 0.7, 0.75, 0.8])).direction).toBe('rising');
    const falling = trendOf(daily([0.95, 0.9, 0.85, 0.8, 0.75]));
    expect(falling.direction).toBe('falling');
    expect(falling.change).toBeCloseTo(-0.2, 10);
    expect(falling.description).toBe('Falling over 5 points: −0.05 a day, −0.2 over the window (R² 1).');
    expect(trendOf(daily([0.9, 0.905, 0.9, 0.895, 0.9])).direction).toBe('flat');
    expect(trendOf(daily([1, 1, 1])).direction).toBe('flat');
  });

  it('is unclear over less than an hour', () => {
    const burst = [1, 0.9, 0.8].map((score, i) => ({ at: new Date(START + i * 1000), score }));
    expect(trendOf(burst)).toMatchObject({ direction: 'unclear', description: 'No trend: the points span less than an hour.' });
    expect(predictBandCrossing([...burst, ...burst.map((p) => ({ ...p, at: new Date(p.at.getTime() + 500) }))]).reason).toBe(
      'No prediction: the checks span less than an hour.',
    );
  });

  it('is unclear with too few points, or scores that do not follow a line', () => {
    expect(trendOf(daily([1, 0.5])).direction).toBe('unclear');
    expect(trendOf(daily([1, 0.5])).description).toContain('at least 3');
    const zigzag = trendOf(daily([1, 0.2, 1, 0.2, 1, 0.3, 0.9]));
    expect(zigzag.direction).toBe('unclear');
    expect(zigzag.description).toMatch(/No clear trend/);
  });
});

describe('prediction', () => {
  it('says when a steadily falling worker crosses into the next worse band, and how sure it is', () => {
    // 0.99 down 0.01 a day: the last of 6 checks is 0.94 (healthy); the line reaches 0.9 four days on.
    const { prediction, reason } = predictBandCrossing(daily([0.99, 0.98, 0.97, 0.96, 0.95, 0.94]));
    expect(reason).toBeNull();
    expect(prediction).toMatchObject({ fromBand: 'healthy', intoBand: 'degraded', threshold: 0.9, confidence: 'medium' });
    expect(prediction!.expectedAt.toISOString()).toBe(new Date(START + 9 * DAY).toISOString());
    expect(prediction!.explanation).toContain('into the degraded band, around 2026-11-10 00:00 UTC');
    expect(prediction!.explanation).toContain('confidence medium (R² 1 over 6 checks');
  });

  it('is highly confident on a clean fit over at least 10 checks', () => {
    const scores = Array.from({ length: 10 }, (_, i) => 0.99 - i * 0.008);
    expect(predictBandCrossing(daily(scores)).prediction?.confidence).toBe('high');
  });

  it.each([
    ['too few checks', [0.99, 0.97, 0.95, 0.93], /Too few checks/],
    ['a flat history', [0.95, 0.95, 0.951, 0.95, 0.949, 0.95], /No fall to predict: the score is flat/],
    ['a rising history', [0.7, 0.75, 0.8, 0.85, 0.9, 0.95], /No fall to predict: the score is rising/],
    ['a noisy fall', [0.99, 0.93, 0.99, 0.91, 0.97, 0.9, 0.95, 0.92], /too unevenly/],
    ['a worker already critical', [0.5, 0.45, 0.4, 0.35, 0.3], /Already in the critical band/],
    ['a crossing further ahead than the history reaches', [0.999, 0.993, 0.987, 0.981, 0.975], /further ahead than the 5 checks reach back/],
  ])('is absent for %s, saying why', (_, scores, why) => {
    const { prediction, reason } = predictBandCrossing(daily(scores));
    expect(prediction).toBeNull();
    expect(reason).toMatch(why);
  });

  it('knows the band order', () => {
    expect(nextWorseBand('healthy')).toEqual({ band: 'degraded', threshold: 0.9 });
    expect(nextWorseBand('degraded')).toEqual({ band: 'unhealthy', threshold: 0.7 });
    expect(nextWorseBand('unhealthy')).toEqual({ band: 'critical', threshold: 0.4 });
    expect(nextWorseBand('critical')).toBeNull();
  });
});

describe('uptime', () => {
  it('is the share of checks that completed, and the healthy ratio those in the healthy band', () => {
    expect(uptimeOf({ checks: 8, up: 7, healthy: 5 })).toEqual({ checks: 8, up: 7, healthy: 5, uptimePercent: 87.5, healthyRatio: 0.625 });
    expect(uptimeOf({ checks: 3, up: 1, healthy: 1 })).toMatchObject({ uptimePercent: 33.33, healthyRatio: 0.3333 });
    expect(uptimeOf({ checks: 0, up: 0, healthy: 0 })).toMatchObject({ uptimePercent: null, healthyRatio: null });
  });
});
