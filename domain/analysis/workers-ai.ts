/**
 * The Workers AI analyser: asks a text-generation model for `{ analysis, recommendations }` in
 * JSON mode, validates the answer, and falls back to the rule-based analyser on any failure (the
 * call throws, takes longer than the timeout, or answers something that is not that JSON). An
 * analysis is never lost.
 *
 * The prompt carries the input as JSON plus the rule-based findings, which were computed from the
 * same input (percentages against baselines and the like), so the model has verified numbers to
 * work from instead of doing arithmetic.
 */
import { z } from 'zod';
import { HEALTH_STATUS_THRESHOLDS } from '../health-status';
import { PASSING_SCORE } from '../scoring';
import { analyseRunByRules, analyseWorkerByRules } from './rule-based';
import type { Analyser, Analysis, RunAnalysisInput, WorkerAnalysisInput } from './types';

/** The part of the `AI` binding this module uses (`env.AI` satisfies it). */
export interface AiLike {
  run(model: string, input: unknown): Promise<unknown>;
}

/**
 * Supports JSON mode and stays available after the May 2026 Workers AI catalog refresh (which
 * deprecated `@cf/meta/llama-3.1-8b-instruct`). Any JSON-mode text-generation model will do.
 */
export const DEFAULT_AI_MODEL = '@cf/meta/llama-3.3-70b-instruct-fp8-fast';
export const DEFAULT_AI_TIMEOUT_MS = 15_000;

export type FallbackReason = 'error' | 'timeout' | 'invalid-response';

export interface WorkersAiAnalyserOptions {
  ai: AiLike;
  /** Workers AI model name; `DEFAULT_AI_MODEL` when not given. */
  model?: string;
  /** How long to wait for the model before falling back; `DEFAULT_AI_TIMEOUT_MS` when not given. */
  timeoutMs?: number;
  /** Called whenever the rule-based analysis is used instead; logs a warning by default. */
  onFallback?: (reason: FallbackReason, detail: string) => void;
}

/** What a valid model answer looks like. */
export const analysisAnswerSchema = z.object({
  analysis: z.string().trim().min(1).max(8000),
  recommendations: z.array(z.string().trim().min(1).max(1000)).min(1).max(15),
});

/** The same shape as JSON Schema, for Workers AI's JSON mode (`response_format`). */
export const ANALYSIS_JSON_SCHEMA = {
  type: 'object',
  properties: {
    analysis: { type: 'string' },
    recommendations: { type: 'array', items: { type: 'string' } },
  },
  required: ['analysis', 'recommendations'],
} as const;

const SYSTEM_PROMPT = [
  'You are the analyst of a health-check system for a fleet of Cloudflare Workers.',
  'You receive one health check as JSON, and findings a rule engine computed from the same data.',
  'Answer with JSON only: {"analysis": string, "recommendations": string[]}.',
  '"analysis" is one paragraph of plain prose: what the health score means (name its band), what failed and why',
  '(name the tests and quote their errors), what got slower than its baseline and by how much, connectivity',
  'problems, workers that timed out or could not be reached.',
  '"recommendations" are concrete actions, ranked most important first: unreachable workers and connectivity',
  'failures first, then failing tests, then slowdowns against the baseline, then capacity hints. At most 8;',
  'do not number them.',
  'Every number you state must appear in the data or in the findings. Do not invent numbers, causes you cannot',
  'support from the data, or configuration values.',
  `Score bands: ${HEALTH_STATUS_THRESHOLDS.map((b) => `${b.status} ${b.range}`).join(', ')}. A completed worker passes`,
  `with a score of at least ${PASSING_SCORE}.`,
].join(' ');

function userPrompt(kind: 'worker' | 'run', input: WorkerAnalysisInput | RunAnalysisInput, findings: Analysis): string {
  return [
    kind === 'worker' ? 'Health check of one worker:' : 'Health-check run across the fleet (previousScores are newest first):',
    JSON.stringify(input),
    '',
    'Rule-engine findings (computed from the data above):',
    findings.analysis,
    ...findings.recommendations.map((text, i) => `${i + 1}. ${text}`),
  ].join('\n');
}

/** The request body sent to `ai.run`. Exported for tests and docs. */
export function buildRequest(kind: 'worker' | 'run', input: WorkerAnalysisInput | RunAnalysisInput, findings: Analysis) {
  return {
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: userPrompt(kind, input, findings) },
    ],
    response_format: { type: 'json_schema', json_schema: ANALYSIS_JSON_SCHEMA },
    max_tokens: 1024,
    temperature: 0.2,
  };
}

class AnswerError extends Error {}

/** Turns text that should be JSON into a value; tolerates a Markdown code fence around it. */
function parseJsonText(text: string): unknown {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(trimmed);
  const body = fenced?.[1] ?? trimmed;
  try {
    return JSON.parse(body);
  } catch {
    throw new AnswerError('the answer is not valid JSON');
  }
}

/**
 * The answer's `{ analysis, recommendations }`, from any of the shapes Workers AI returns: in JSON
 * mode `{ response: { … } }`, otherwise `{ response: "<json text>" }`, and for models on the
 * chat-completions format `{ choices: [{ message: { content: "<json text>" } }] }`.
 */
export function extractAnswer(output: unknown): Analysis {
  let candidate: unknown = output;
  if (typeof candidate === 'string') candidate = parseJsonText(candidate);
  if (candidate && typeof candidate === 'object' && 'response' in candidate) {
    candidate = (candidate as { response: unknown }).response;
    if (typeof candidate === 'string') candidate = parseJsonText(candidate);
  } else if (candidate && typeof candidate === 'object' && 'choices' in candidate) {
    const content = (candidate as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new AnswerError('the answer has no message content');
    candidate = parseJsonText(content);
  }
  const parsed = analysisAnswerSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new AnswerError(`the answer does not have the expected shape: ${z.prettifyError(parsed.error)}`);
  }
  return {
    analysis: parsed.data.analysis,
    // Models number their lists even when asked not to; the numbering is the caller's business.
    recommendations: parsed.data.recommendations.map((text) => text.replace(/^(?:\d+[.)]|[-*•])\s+/, '')),
  };
}

class TimeoutError extends Error {}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function defaultOnFallback(reason: FallbackReason, detail: string): void {
  console.warn(`workers-ai analysis fell back to rules (${reason}): ${detail}`);
}

export function createWorkersAiAnalyser(options: WorkersAiAnalyserOptions): Analyser {
  const model = options.model ?? DEFAULT_AI_MODEL;
  const timeoutMs = options.timeoutMs ?? DEFAULT_AI_TIMEOUT_MS;
  const onFallback = options.onFallback ?? defaultOnFallback;

  async function analyse<I extends WorkerAnalysisInput | RunAnalysisInput>(
    kind: 'worker' | 'run',
    input: I,
    rules: (input: I) => Analysis,
  ): Promise<Analysis> {
    const findings = rules(input);
    try {
      // Called inside the try block: a binding that throws synchronously falls back too.
      const output = await withTimeout(
        Promise.resolve().then(() => options.ai.run(model, buildRequest(kind, input, findings))),
        timeoutMs,
      );
      return extractAnswer(output);
    } catch (error) {
      const reason: FallbackReason =
        error instanceof TimeoutError ? 'timeout' : error instanceof AnswerError ? 'invalid-response' : 'error';
      try {
        onFallback(reason, error instanceof Error ? error.message : String(error));
      } catch {
        // A failing logger must not cost the analysis.
      }
      return findings;
    }
  }

  return {
    analyseWorker: (input) => analyse('worker', input, analyseWorkerByRules),
    analyseRun: (input) => analyse('run', input, analyseRunByRules),
  };
}
