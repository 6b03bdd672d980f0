/**
 * Workers AI where it pays: the model rewrites the analysis of the run and of its few worst
 * workers from the rule engine's findings; every other worker keeps the rules' analysis.
 *
 * - **Bounded.** At most 1 + MAX_AI_WORKER_CALLS model calls per run (the run, and the worst
 *   workers the rules found something to fix on), all at once, under one time limit for the lot
 *   (DEFAULT_AI_TIME_LIMIT_MS): a fleet of any size makes at most that many subrequests to the
 *   model and waits at most that long.
 * - **Findings, not raw JSON.** The prompt carries what the rules found (sentences with their
 *   verified numbers, causes, ranked recommendations with severities), so the model has checked
 *   numbers to work from instead of doing arithmetic on data.
 * - **Checked.** The answer must be `{ analysis, recommendations: [{ severity, worker, text }] }`
 *   with known severities and only workers of this run; anything else, an error or the time limit
 *   falls back to the rules' analysis, with the reason kept (`AI analysis unavailable: …`).
 */
import { z } from 'zod';
import { HEALTH_STATUS_THRESHOLDS, healthStatusRange } from '../health-status';
import { PASSING_SCORE } from '../scoring';
import { rankBySeverity } from './ranking';
import type { RuleBasedRunAnalysis } from './rule-based';
import { SEVERITIES, type Analysis, type RunAnalysisInput, type Severity, type SourcedAnalysis, type WorkerFindings } from './types';

/** The part of the `AI` binding this module uses (`env.AI` satisfies it). */
export interface AiLike {
  run(model: string, input: unknown, options?: { signal?: AbortSignal }): Promise<unknown>;
}

/**
 * Supports JSON mode and stays available after the May 2026 Workers AI catalog refresh (which
 * deprecated `@cf/meta/llama-3.1-8b-instruct`). Any JSON-mode text-generation model will do.
 */
export const DEFAULT_AI_MODEL = '@cf/meta/llama-3.3-70b-instruct-fp8-fast';
/** How long all of a run's model calls together may take before the rules stand in. */
export const DEFAULT_AI_TIME_LIMIT_MS = 15_000;
/** How many workers (the worst) get a model-written analysis, besides the run. */
export const MAX_AI_WORKER_CALLS = 3;
/** The longest prompt sent (characters); findings beyond it are cut. */
export const MAX_PROMPT_CHARS = 12_000;

export type FallbackReason = 'error' | 'timeout' | 'invalid-response';

export interface WorkersAiOptions {
  ai: AiLike;
  /** Workers AI model name; DEFAULT_AI_MODEL when not given. */
  model?: string;
  /** How long all calls together may take; DEFAULT_AI_TIME_LIMIT_MS when not given. */
  timeLimitMs?: number;
  /** How many of the worst workers are asked about; MAX_AI_WORKER_CALLS when not given. */
  maxWorkerCalls?: number;
  /** Called whenever the rules stand in for the model; logs a warning by default. */
  onFallback?: (reason: FallbackReason, detail: string, subject: string) => void;
}

const severitySchema = z
  .string()
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.enum(SEVERITIES));

/** What a valid model answer looks like. */
export const analysisAnswerSchema = z.object({
  analysis: z.string().trim().min(1).max(8000),
  recommendations: z
    .array(
      z.object({
        severity: severitySchema,
        worker: z.string().trim().min(1).nullish(),
        text: z.string().trim().min(1).max(1000),
      }),
    )
    .min(1)
    .max(15),
});

/** The same shape as JSON Schema, for Workers AI's JSON mode (`response_format`). */
export const ANALYSIS_JSON_SCHEMA = {
  type: 'object',
  properties: {
    analysis: { type: 'string' },
    recommendations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          severity: { type: 'string', enum: [...SEVERITIES] },
          worker: { type: ['string', 'null'] },
          text: { type: 'string' },
        },
        required: ['severity', 'worker', 'text'],
      },
    },
  },
  required: ['analysis', 'recommendations'],
} as const;

const SYSTEM_PROMPT = [
  'You are the analyst of a health-check system for a fleet of Cloudflare Workers.',
  'You receive the findings a rule engine computed from one health check: what it found, the causes, and its ranked recommendations.',
  'Answer with JSON only: {"analysis": string, "recommendations": [{"severity": string, "worker": string or null, "text": string}]}.',
  '"analysis" is one paragraph of plain prose: what the health score means (name its band), what failed and why, what got slower',
  'or faster than its baseline and by how much, connectivity problems, and the trend when the findings give one.',
  '"recommendations" are concrete actions, most severe first, at most 8, not numbered. "worker" is the worker the action concerns,',
  'exactly as named in the findings, or null for the whole fleet. Severities: "critical" = a worker gave no result (unreachable,',
  'refused the dispatch, timed out); "high" = failing unit or integration tests, or a configured connection failing; "medium" =',
  'failing performance tests, slowdowns against the baseline, falling scores; "low" = hints; "info" = nothing to do.',
  'Keep commands the findings give (such as `worker-health workers secret …`) exactly as written.',
  'Every number you state must appear in the findings. Do not invent numbers, causes, or checks the findings do not mention.',
  `Score bands: ${HEALTH_STATUS_THRESHOLDS.map((b) => `${b.status} ${b.range}`).join(', ')}. A completed worker passes with a score of at least ${PASSING_SCORE}.`,
].join(' ');

function bullet(lines: readonly string[]): string[] {
  return lines.map((line) => `- ${line}`);
}

function recommendationLines(analysis: Analysis): string[] {
  return analysis.recommendations.map((r) => `- [${r.severity}]${r.workerName ? ` (${r.workerName})` : ' (fleet)'} ${r.text}`);
}

function cut(text: string): string {
  return text.length > MAX_PROMPT_CHARS ? `${text.slice(0, MAX_PROMPT_CHARS - 1)}…` : text;
}

/** The prompt about one worker: its findings, not its data. */
export function workerPrompt(findings: WorkerFindings, rules: Analysis): string {
  const { input } = findings;
  return cut(
    [
      `Worker: ${input.workerName} (type ${input.workerType})`,
      `Check: ${input.status}, score ${input.score}, ${input.healthStatus} band (${healthStatusRange(input.healthStatus)})`,
      `Causes found: ${findings.causes.length > 0 ? findings.causes.map((c) => c.kind).join(', ') : 'none'}`,
      'Findings:',
      ...bullet(findings.sentences),
      'Rule-engine recommendations, ranked:',
      ...recommendationLines(rules),
    ].join('\n'),
  );
}

/** The prompt about the run: the fleet's findings and the worst workers' tags, not every worker's data. */
export function runPrompt(input: RunAnalysisInput, rules: RuleBasedRunAnalysis): string {
  return cut(
    [
      `Run: ${input.status}, ${input.completedWorkers} of ${input.totalWorkers} workers finished; score ${input.score}, ${input.healthStatus} band (${healthStatusRange(input.healthStatus)})`,
      'Findings:',
      ...bullet(rules.run.analysis.split(/(?<=\.)\s+(?=[A-Z0-9])/)),
      'Rule-engine recommendations, ranked:',
      ...recommendationLines(rules.run),
    ].join('\n'),
  );
}

/** The request body sent to `ai.run`. Exported for tests and docs. */
export function buildRequest(prompt: string) {
  return {
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: prompt },
    ],
    response_format: { type: 'json_schema', json_schema: ANALYSIS_JSON_SCHEMA },
    max_tokens: 1024,
    temperature: 0.2,
  };
}

class AnswerError extends Error {}
class TimeoutError extends Error {}

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
 * The answer's analysis, from any of the shapes Workers AI returns (in JSON mode
 * `{ response: { … } }`, otherwise `{ response: "<json text>" }`, and for models on the
 * chat-completions format `{ choices: [{ message: { content: "<json text>" } }] }`), its
 * recommendations ranked by severity. `workers` are the names a recommendation may concern;
 * `fixedWorker` is the worker every recommendation concerns (a worker's own analysis).
 */
export function extractAnswer(output: unknown, workers: ReadonlySet<string>, fixedWorker: string | null = null): Analysis {
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
  const recommendations = parsed.data.recommendations.map((r) => {
    const worker = r.worker ?? null;
    if (fixedWorker !== null) {
      if (worker !== null && worker !== fixedWorker) throw new AnswerError(`a recommendation names another worker (${JSON.stringify(worker)})`);
    } else if (worker !== null && !workers.has(worker)) {
      throw new AnswerError(`a recommendation names a worker this run did not check (${JSON.stringify(worker)})`);
    }
    return {
      severity: r.severity as Severity,
      workerName: fixedWorker ?? worker,
      // Models number their lists even when asked not to; the numbering is the caller's business.
      text: r.text.replace(/^(?:\d+[.)]|[-*•])\s+/, ''),
      kind: null,
    };
  });
  return { analysis: parsed.data.analysis, recommendations: rankBySeverity(recommendations) };
}

function defaultOnFallback(reason: FallbackReason, detail: string, subject: string): void {
  console.warn(JSON.stringify({ event: 'analysis.workers_ai_fallback', subject, reason, detail }));
}

/** The worst workers worth a model's words: those the rules found something to act on, lowest score first. */
export function workersWorthAsking(workers: readonly { findings: WorkerFindings; analysis: Analysis }[], max: number): number[] {
  return workers
    .map((worker, index) => ({ worker, index }))
    .filter(({ worker }) => worker.analysis.recommendations.some((r) => r.severity !== 'info'))
    .sort(
      (a, b) =>
        a.worker.findings.input.score - b.worker.findings.input.score ||
        (a.worker.findings.input.workerName < b.worker.findings.input.workerName ? -1 : 1),
    )
    .slice(0, Math.max(0, max))
    .map(({ index }) => index);
}

export interface WorkersAiRunAnalysis {
  workers: SourcedAnalysis[];
  run: SourcedAnalysis;
  /** How many model calls were made. */
  calls: number;
}

/**
 * The run's analyses with Workers AI where it pays: the run and its worst workers asked of the
 * model under one time limit, every other worker (and any failed call) from the rules.
 */
export async function analyseWithWorkersAi(input: RunAnalysisInput, rules: RuleBasedRunAnalysis, options: WorkersAiOptions): Promise<WorkersAiRunAnalysis> {
  const model = options.model ?? DEFAULT_AI_MODEL;
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_AI_TIME_LIMIT_MS;
  const onFallback = options.onFallback ?? defaultOnFallback;
  const names = new Set(input.workers.map((w) => w.workerName));
  const asked = workersWorthAsking(rules.workers, options.maxWorkerCalls ?? MAX_AI_WORKER_CALLS);

  const controller = new AbortController();
  const timedOut = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(new TimeoutError(`no answer within ${timeLimitMs} ms`)), { once: true });
  });
  timedOut.catch(() => {});
  const timer = setTimeout(() => controller.abort(), timeLimitMs);

  let calls = 0;
  async function ask(subject: string, prompt: string, fallback: Analysis, fixedWorker: string | null): Promise<SourcedAnalysis> {
    try {
      calls += 1;
      // Called inside the try block: a binding that throws synchronously falls back too.
      const output = await Promise.race([Promise.resolve().then(() => options.ai.run(model, buildRequest(prompt), { signal: controller.signal })), timedOut]);
      return { ...extractAnswer(output, names, fixedWorker), source: { analyser: 'workers-ai', model, unavailable: null } };
    } catch (error) {
      const reason: FallbackReason =
        error instanceof TimeoutError || controller.signal.aborted ? 'timeout' : error instanceof AnswerError ? 'invalid-response' : 'error';
      const detail = reason === 'timeout' ? `no answer within ${timeLimitMs} ms` : error instanceof Error ? error.message : String(error);
      try {
        onFallback(reason, detail, subject);
      } catch {
        // A failing logger must not cost the analysis.
      }
      return { ...fallback, source: { analyser: 'rules', model, unavailable: `AI analysis unavailable: ${detail}` } };
    }
  }

  try {
    const [run, ...askedWorkers] = await Promise.all([
      ask('run', runPrompt(input, rules), rules.run, null),
      ...asked.map((index) => {
        const { findings, analysis } = rules.workers[index]!;
        return ask(findings.input.workerName, workerPrompt(findings, analysis), analysis, findings.input.workerName);
      }),
    ]);
    const workers: SourcedAnalysis[] = rules.workers.map(({ analysis }) => ({
      ...analysis,
      source: { analyser: 'rules', model: null, unavailable: null },
    }));
    asked.forEach((index, i) => {
      workers[index] = askedWorkers[i]!;
    });
    return { workers, run: run!, calls };
  } finally {
    clearTimeout(timer);
  }
}
