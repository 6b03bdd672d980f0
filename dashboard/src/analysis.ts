/**
 * What the analysis says about baselines: the rules' worker analysis states every comparison
 * with a baseline in one sentence ("… 50% slower than its baseline of 200 ms (median of its last
 * 10 checks)", "Response time improved: …, down 30% against its baseline of …", "… in line with
 * its baseline of …"; domain/analysis/worker-rules.ts). The run detail lists those sentences per
 * worker, regressions first. Pure.
 */

export type BaselineVerdict = 'regression' | 'improvement' | 'steady';

export interface BaselineFinding {
  verdict: BaselineVerdict;
  /** What was compared: a performance test by name, or null (the sentence says it: response time). */
  test: string | null;
  text: string;
}

/** Sentences of a text: split after ". ", "! " or "? " followed by a capital, a quote or a digit. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=["'“A-Z0-9])/)
    .map((sentence) => sentence.trim())
    .filter(Boolean);
}

export function verdictOf(sentence: string): BaselineVerdict {
  if (/\bslower\b|\bup \d+(?:\.\d+)?%/i.test(sentence)) return 'regression';
  if (/\bfaster\b|\bimproved\b|\bdown \d+(?:\.\d+)?%/i.test(sentence)) return 'improvement';
  return 'steady';
}

const ORDER: Record<BaselineVerdict, number> = { regression: 0, improvement: 1, steady: 2 };

/**
 * A failing performance test stated against its baseline, one of possibly several in the suite's
 * sentence: `"<name>" failed (<error>); it took <t>, <n>% slower than its baseline of <b> (median
 * of <checks>)`, or `… in line with its baseline of <b> (…), +<n>%`.
 */
const FAILED_AGAINST_BASELINE = /"([^"]+)" failed(?: \([^)]*\))?; it took [^,]+, (?:\d+% (?:slower|faster) than|in line with) its baseline of [^(]+\([^)]*\)(?:, [+−-]\d+%)?/g;
const PASSED_AGAINST_BASELINE = /^Performance test "([^"]+)" took /;

/** Every comparison with a baseline that `analysis` states, one per test or value, regressions first. */
export function baselineFindings(analysis: string | null | undefined): BaselineFinding[] {
  if (!analysis) return [];
  const findings: BaselineFinding[] = [];
  for (const sentence of sentences(analysis)) {
    if (!/\bbaseline\b/i.test(sentence)) continue;
    const clauses = [...sentence.matchAll(FAILED_AGAINST_BASELINE)];
    if (clauses.length > 0) {
      for (const clause of clauses) findings.push({ verdict: verdictOf(clause[0]), test: clause[1]!, text: clause[0] });
    } else {
      findings.push({ verdict: verdictOf(sentence), test: PASSED_AGAINST_BASELINE.exec(sentence)?.[1] ?? null, text: sentence });
    }
  }
  return findings.sort((a, b) => ORDER[a.verdict] - ORDER[b.verdict]);
}
