/** Medians, percentiles and the ratio summaries the table reports. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least q of the samples at or below it.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const median = (values: number[]) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarise(values: number[]): Summary {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/**
 * The ratios of an interleaved series baseline, subject, baseline, subject, …, baseline: each
 * subject against the baseline just before it and the one just after it (when there is one), so
 * a drift of the machine during the series shows as range instead of hiding in the median.
 */
export function interleavedRatios(baselines: number[], subjects: number[]): number[] {
  const ratios: number[] = [];
  subjects.forEach((subject, i) => {
    if (baselines[i] !== undefined) ratios.push(subject / baselines[i]!);
    if (baselines[i + 1] !== undefined) ratios.push(subject / baselines[i + 1]!);
  });
  return ratios;
}
