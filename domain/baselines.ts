/**
 * Performance baselines (the seed's planned "Performance Baselines"): a worker's typical response
 * time and the typical duration of each of its performance tests, and how a check compares.
 *
 * - A baseline is the **median** of the worker's last N completed checks in runs started before
 *   the current one (N = `BaselineSettings.checks`, 10 by default; the current run is never part
 *   of its own baseline). Per test, the median of the checks among those that ran the test
 *   (skipped runs of a test are left out).
 * - A value is **slower** when it is worse than its baseline by more than the margin
 *   (`marginPercent`, 25 % by default), **faster** when better by more than the margin, else
 *   **steady**. The change is stated as a whole percentage of the baseline:
 *   `round((current − baseline) / baseline × 100)`.
 */

export const DEFAULT_BASELINE_CHECKS = 10;
export const DEFAULT_REGRESSION_MARGIN_PERCENT = 25;

export interface BaselineSettings {
  /** How many earlier completed checks make a baseline. */
  checks: number;
  /** Worse (or better) by more than this percentage of the baseline is a regression (or an improvement). */
  marginPercent: number;
}

export const DEFAULT_BASELINE_SETTINGS: BaselineSettings = {
  checks: DEFAULT_BASELINE_CHECKS,
  marginPercent: DEFAULT_REGRESSION_MARGIN_PERCENT,
};

/** A worker's typical values, from its earlier completed checks. */
export interface WorkerBaseline {
  /** How many earlier completed checks the baseline is taken over. */
  checks: number;
  /** Median response time, or null when none of those checks measured one. */
  responseTimeMs: number | null;
  /** Median duration per performance-test name. */
  testDurationsMs: Record<string, number>;
  /** Per test, how many of those checks ran it (when fewer than `checks`). */
  testChecks?: Record<string, number>;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One earlier completed check, as far as baselines care. */
export interface BaselineSample {
  responseTimeMs: number | null;
  performanceTests: readonly { name: string; status: string; durationMs: number }[];
}

/** The baseline of a worker from its earlier completed checks (newest first, at most N); null without any. */
export function baselineFrom(samples: readonly BaselineSample[]): WorkerBaseline | null {
  if (samples.length === 0) return null;
  const durations = new Map<string, number[]>();
  for (const sample of samples) {
    for (const test of sample.performanceTests) {
      if (test.status === 'skipped') continue;
      durations.set(test.name, [...(durations.get(test.name) ?? []), test.durationMs]);
    }
  }
  const testChecks = Object.fromEntries([...durations].filter(([, values]) => values.length < samples.length).map(([name, values]) => [name, values.length]));
  return {
    checks: samples.length,
    responseTimeMs: median(samples.flatMap((sample) => (sample.responseTimeMs == null ? [] : [sample.responseTimeMs]))),
    testDurationsMs: Object.fromEntries([...durations].map(([name, values]) => [name, median(values)!])),
    ...(Object.keys(testChecks).length > 0 ? { testChecks } : {}),
  };
}

export type BaselineVerdict = 'slower' | 'faster' | 'steady';

export interface BaselineComparison {
  subject: 'response-time' | 'performance-test';
  /** The test's name; null for the response time. */
  testName: string | null;
  currentMs: number;
  baselineMs: number;
  /** How many earlier checks the baseline is the median of. */
  checks: number;
  /** The change in percent of the baseline, rounded to a whole number (what the text states). */
  changePercent: number;
  verdict: BaselineVerdict;
}

function verdict(current: number, base: number, marginPercent: number): { changePercent: number; verdict: BaselineVerdict } {
  const exact = ((current - base) / base) * 100;
  return {
    changePercent: Math.round(exact),
    verdict: exact > marginPercent ? 'slower' : exact < -marginPercent ? 'faster' : 'steady',
  };
}

/**
 * How a check's response time and each of its (not skipped) performance tests compare with the
 * worker's baseline. Values without a positive baseline are not compared.
 */
export function compareWithBaseline(
  check: BaselineSample,
  baseline: WorkerBaseline | null,
  marginPercent: number = DEFAULT_REGRESSION_MARGIN_PERCENT,
): BaselineComparison[] {
  if (!baseline) return [];
  const comparisons: BaselineComparison[] = [];
  const base = baseline.responseTimeMs;
  if (check.responseTimeMs != null && base != null && base > 0) {
    comparisons.push({
      subject: 'response-time',
      testName: null,
      currentMs: check.responseTimeMs,
      baselineMs: base,
      checks: baseline.checks,
      ...verdict(check.responseTimeMs, base, marginPercent),
    });
  }
  for (const test of check.performanceTests) {
    if (test.status === 'skipped') continue;
    const testBase = Object.hasOwn(baseline.testDurationsMs, test.name) ? baseline.testDurationsMs[test.name] : undefined;
    if (testBase === undefined || !(testBase > 0)) continue;
    comparisons.push({
      subject: 'performance-test',
      testName: test.name,
      currentMs: test.durationMs,
      baselineMs: testBase,
      checks: baseline.testChecks?.[test.name] ?? baseline.checks,
      ...verdict(test.durationMs, testBase, marginPercent),
    });
  }
  return comparisons;
}
