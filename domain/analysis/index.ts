import { ruleBasedAnalyser } from './rule-based';
import type { Analyser } from './types';
import { createWorkersAiAnalyser, type AiLike, type FallbackReason } from './workers-ai';

export type * from './types';
export { analyseRunByRules, analyseWorkerByRules, ruleBasedAnalyser } from './rule-based';
export { createWorkersAiAnalyser, DEFAULT_AI_MODEL, DEFAULT_AI_TIMEOUT_MS } from './workers-ai';
export type { AiLike, FallbackReason, WorkersAiAnalyserOptions } from './workers-ai';

export interface AnalyserConfig {
  /** The Workers AI binding (`env.AI`); without it the rule-based analyser is used. */
  ai?: AiLike | null;
  /** Workers AI model name (default `DEFAULT_AI_MODEL`). */
  model?: string;
  /** How long to wait for Workers AI before falling back (default `DEFAULT_AI_TIMEOUT_MS`). */
  timeoutMs?: number;
  onFallback?: (reason: FallbackReason, detail: string) => void;
}

/** Workers AI (falling back to rules) when `ai` is given, otherwise the rule-based analyser. */
export function createAnalyser(config: AnalyserConfig = {}): Analyser {
  if (!config.ai) return ruleBasedAnalyser;
  return createWorkersAiAnalyser({
    ai: config.ai,
    ...(config.model ? { model: config.model } : {}),
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
    ...(config.onFallback ? { onFallback: config.onFallback } : {}),
  });
}
