/**
 * The embedded analyser: rules over the input, no network. It is the default when Workers AI is
 * not bound and the fallback whenever Workers AI fails.
 *
 * It writes in the shape of the seed's "Example AI Output": what the score means, what failed and
 * why (each failure cause with its own diagnosis and first recommendation), what got slower or
 * faster than its baseline, connectivity problems, the trend and a prediction where the history
 * supports one, then recommendations ranked by severity. The output is a pure function of the
 * input, and every number it states is either in the input, computed from it (a percentage, a
 * difference, a mean, a fitted slope) or one of this project's documented constants.
 *
 * The parts, by reason to change: format.ts (how numbers and lists are written), worker-rules.ts
 * (one worker's findings), fleet-rules.ts (the run, from the workers' findings), ranking.ts
 * (severity order and caps). This module composes them, computing each worker's findings once.
 */
import { isOpenWorkerCheck } from '../../db/worker-health-checks';
import { plural } from './format';
import { analyseRunFromFindings } from './fleet-rules';
import { capped, rankBySeverity } from './ranking';
import type { Analysis, RunAnalysisInput, WorkerAnalysisInput, WorkerFindings } from './types';
import { DEFAULT_WORKER_RULE_SETTINGS, workerFindings, type WorkerRuleSettings } from './worker-rules';

export { MAX_LISTED_WORKERS, MAX_RUN_RECOMMENDATIONS } from './fleet-rules';
export { workerFindings, type WorkerRuleSettings } from './worker-rules';

/** A worker's analysis gives at most this many recommendations. */
export const MAX_WORKER_RECOMMENDATIONS = 10;

/** A worker's analysis from its findings. */
export function workerAnalysisFromFindings(findings: WorkerFindings): Analysis {
  const { input } = findings;
  const recommendations = capped(
    rankBySeverity(findings.recommendations),
    MAX_WORKER_RECOMMENDATIONS,
    (count) => `See the analysis above for ${plural(count, 'further issue')} of lower or equal severity.`,
    input.workerName,
  );
  if (recommendations.length === 0) {
    recommendations.push({
      severity: 'info',
      workerName: input.workerName,
      kind: 'no-action',
      text: isOpenWorkerCheck(input.status)
        ? `Wait for ${input.workerName} to finish its health check.`
        : `No action needed for ${input.workerName}; keep it under regular health checks.`,
    });
  }
  return { analysis: findings.sentences.join(' '), recommendations };
}

/** The rule-based analysis of one worker's check. Pure and synchronous. */
export function analyseWorkerByRules(input: WorkerAnalysisInput, settings: WorkerRuleSettings = DEFAULT_WORKER_RULE_SETTINGS): Analysis {
  return workerAnalysisFromFindings(workerFindings(input, settings));
}

/** The rule-based analysis of a whole run. Pure and synchronous. */
export function analyseRunByRules(input: RunAnalysisInput, settings: WorkerRuleSettings = DEFAULT_WORKER_RULE_SETTINGS): Analysis {
  return analyseRunFromFindings(input, input.workers.map((worker) => workerFindings(worker, settings)));
}

export interface RuleBasedRunAnalysis {
  /** Each worker's findings and analysis, in the order of `input.workers`. */
  workers: { findings: WorkerFindings; analysis: Analysis }[];
  run: Analysis;
}

/** Every worker's analysis and the run's, each worker's findings computed once and shared. */
export function analyseAllByRules(input: RunAnalysisInput, settings: WorkerRuleSettings = DEFAULT_WORKER_RULE_SETTINGS): RuleBasedRunAnalysis {
  const findings = input.workers.map((worker) => workerFindings(worker, settings));
  return {
    workers: findings.map((f) => ({ findings: f, analysis: workerAnalysisFromFindings(f) })),
    run: analyseRunFromFindings(input, findings),
  };
}
