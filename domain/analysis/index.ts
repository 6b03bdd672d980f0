import { analyseAllByRules } from './rule-based';
import type { RunAnalysisInput, SourcedAnalysis } from './types';
import { analyseWithWorkersAi, type AiLike, type FallbackReason } from './workers-ai';
import { DEFAULT_WORKER_RULE_SETTINGS, type WorkerRuleSettings } from './worker-rules';

export type * from './types';
export { SEVERITIES } from './types';
export { analyseAllByRules, analyseRunByRules, analyseWorkerByRules, workerAnalysisFromFindings } from './rule-based';
export { analyseWithWorkersAi, DEFAULT_AI_MODEL, DEFAULT_AI_TIME_LIMIT_MS, MAX_AI_WORKER_CALLS } from './workers-ai';
export type { AiLike, FallbackReason, WorkersAiOptions } from './workers-ai';

export interface AnalysisConfig {
  /** The Workers AI binding (`env.AI`); without it the rules write every analysis. */
  ai?: AiLike | null;
  /** Workers AI model name (default `DEFAULT_AI_MODEL`). */
  model?: string;
  /** How long all of a run's model calls together may take (default `DEFAULT_AI_TIME_LIMIT_MS`). */
  timeLimitMs?: number;
  /** How many of the worst workers the model is asked about (default `MAX_AI_WORKER_CALLS`). */
  maxWorkerCalls?: number;
  onFallback?: (reason: FallbackReason, detail: string, subject: string) => void;
  /** The rules' settings (the regression margin). */
  rules?: WorkerRuleSettings;
}

export interface RunAnalysisResult {
  /** Each worker's analysis, in the order of `input.workers`. */
  workers: SourcedAnalysis[];
  run: SourcedAnalysis;
  /** Model calls made (0 without Workers AI). */
  calls: number;
}

/**
 * Every worker's analysis and the run's: the rules for all of them (each worker's findings once),
 * then, when Workers AI is configured, the model for the run and its worst workers.
 */
export async function analyseRun(input: RunAnalysisInput, config: AnalysisConfig = {}): Promise<RunAnalysisResult> {
  const rules = analyseAllByRules(input, config.rules ?? DEFAULT_WORKER_RULE_SETTINGS);
  if (!config.ai) {
    const source = { analyser: 'rules', model: null, unavailable: null } as const;
    return { workers: rules.workers.map(({ analysis }) => ({ ...analysis, source })), run: { ...rules.run, source }, calls: 0 };
  }
  return analyseWithWorkersAi(input, rules, {
    ai: config.ai,
    ...(config.model ? { model: config.model } : {}),
    ...(config.timeLimitMs !== undefined ? { timeLimitMs: config.timeLimitMs } : {}),
    ...(config.maxWorkerCalls !== undefined ? { maxWorkerCalls: config.maxWorkerCalls } : {}),
    ...(config.onFallback ? { onFallback: config.onFallback } : {}),
  });
}
