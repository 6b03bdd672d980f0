/** How recommendations are ordered and capped: by severity, most severe first. */
import type { Recommendation, Severity } from './types';

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/**
 * Sorted by severity; within a severity by `tiebreak` when given, else in the order they came
 * (the rules emit them most important first). Stable.
 */
export function rankBySeverity<T extends Recommendation>(recommendations: readonly T[], tiebreak?: (a: T, b: T) => number): T[] {
  return recommendations
    .map((recommendation, index) => ({ recommendation, index }))
    .sort(
      (a, b) =>
        SEVERITY_RANK[a.recommendation.severity] - SEVERITY_RANK[b.recommendation.severity] ||
        (tiebreak ? tiebreak(a.recommendation, b.recommendation) : 0) ||
        a.index - b.index,
    )
    .map(({ recommendation }) => recommendation);
}

/**
 * At most `max` of ranked recommendations; when there are more, the last place says how many and
 * where they are, with the severity of the most severe one left out (so the ranking holds).
 */
export function capped(
  ranked: readonly Recommendation[],
  max: number,
  more: (count: number) => string,
  workerName: string | null = null,
): Recommendation[] {
  if (ranked.length <= max) return [...ranked];
  const dropped = ranked.slice(max - 1);
  return [
    ...ranked.slice(0, max - 1),
    { severity: dropped[0]!.severity, workerName, text: more(dropped.length), kind: null },
  ];
}
