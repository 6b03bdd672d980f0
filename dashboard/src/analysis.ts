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

/** Every sentence of `analysis` that compares a value with its baseline, regressions first. */
export function baselineFindings(analysis: string | null | undefined): BaselineFinding[] {
  if (!analysis) return [];
  return sentences(analysis)
    .filter((sentence) => /\bbaseline\b/i.test(sentence))
    .map((text) => ({ verdict: verdictOf(text), text }))
    .sort((a, b) => ORDER[a.verdict] - ORDER[b.verdict]);
}
