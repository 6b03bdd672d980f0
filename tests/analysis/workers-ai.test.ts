import { describe, expect, it, vi } from 'vitest';
import { createAnalyser, ruleBasedAnalyser } from '../../domain/analysis';
import { analyseRunByRules, analyseWorkerByRules } from '../../domain/analysis/rule-based';
import {
  createWorkersAiAnalyser,
  DEFAULT_AI_MODEL,
  type AiLike,
  type FallbackReason,
} from '../../domain/analysis/workers-ai';
import { run, uiFactory, worker } from './fixtures';

// The real binding fits the minimal type this module asks for (checked by tsc).
export function acceptsTheBinding(binding: Ai): AiLike {
  return binding;
}

const answer = {
  analysis: 'The ui-factory worker shows degraded performance with a health score of 0.85.',
  recommendations: ['Fix the "external AI service" integration test', 'Look into the 40% slower response time'],
};

/** A stand-in for the Workers AI binding (the outside edge): records calls, answers as told. */
function fakeAi(respond: (model: string, input: unknown) => Promise<unknown> | unknown) {
  const calls: { model: string; input: any }[] = [];
  const ai: AiLike = {
    run: (model, input) => {
      calls.push({ model, input });
      return respond(model, input) as Promise<unknown>;
    },
  };
  return { ai, calls };
}

function recordingFallbacks() {
  const reasons: { reason: FallbackReason; detail: string }[] = [];
  return { reasons, onFallback: (reason: FallbackReason, detail: string) => reasons.push({ reason, detail }) };
}

describe('Workers AI analyser', () => {
  it('uses a valid JSON-mode answer', async () => {
    const { ai } = fakeAi(async () => ({ response: answer }));
    const { reasons, onFallback } = recordingFallbacks();
    const result = await createWorkersAiAnalyser({ ai, onFallback }).analyseWorker(uiFactory);
    expect(result).toEqual(answer);
    expect(reasons).toEqual([]);
  });

  it('sends a JSON-mode request built from the input, to the configured model', async () => {
    const { ai, calls } = fakeAi(async () => ({ response: answer }));
    await createWorkersAiAnalyser({ ai }).analyseWorker(uiFactory);
    await createWorkersAiAnalyser({ ai, model: '@cf/zai-org/glm-4.7-flash' }).analyseWorker(uiFactory);
    expect(calls.map((c) => c.model)).toEqual([DEFAULT_AI_MODEL, '@cf/zai-org/glm-4.7-flash']);
    const request = calls[0]!.input;
    expect(request.response_format.type).toBe('json_schema');
    expect(request.response_format.json_schema.required).toEqual(['analysis', 'recommendations']);
    expect(request.messages[0].role).toBe('system');
    const user: string = request.messages[1].content;
    expect(user).toContain(JSON.stringify(uiFactory));
    // the rule engine's verified findings go along
    expect(user).toContain('Response time is up 40% against its baseline of 120 ms');
  });

  it('accepts the answer as JSON text, fenced or not, and drops the model’s own numbering', async () => {
    const fenced = '```json\n' + JSON.stringify({ ...answer, recommendations: ['1. First', '2) Second', '- Third'] }) + '\n```';
    const { ai } = fakeAi(async () => ({ response: fenced }));
    const result = await createWorkersAiAnalyser({ ai }).analyseWorker(uiFactory);
    expect(result).toEqual({ analysis: answer.analysis, recommendations: ['First', 'Second', 'Third'] });
  });

  it('accepts the chat-completions answer shape', async () => {
    const { ai } = fakeAi(async () => ({ choices: [{ message: { role: 'assistant', content: JSON.stringify(answer) } }] }));
    expect(await createWorkersAiAnalyser({ ai }).analyseWorker(uiFactory)).toEqual(answer);
  });

  it('analyses runs too', async () => {
    const input = run([uiFactory, worker({ workerName: 'agent-factory' })], { previousScores: [0.95] });
    const { ai, calls } = fakeAi(async () => ({ response: answer }));
    expect(await createWorkersAiAnalyser({ ai }).analyseRun(input)).toEqual(answer);
    expect(calls[0]!.input.messages[1].content).toContain('previousScores are newest first');
  });

  it.each([
    ['text that is not JSON', { response: 'The worker looks fine to me.' }],
    ['JSON of the wrong shape', { response: { analysis: 'ok' } }],
    ['no recommendations', { response: { analysis: 'ok', recommendations: [] } }],
    ['an empty analysis', { response: { analysis: '   ', recommendations: ['x'] } }],
    ['recommendations that are not strings', { response: { analysis: 'ok', recommendations: [1, 2] } }],
    ['nothing', undefined],
    ['a chat answer without content', { choices: [{ message: {} }] }],
  ])('falls back to the rule-based analysis on %s', async (_, output) => {
    const { ai } = fakeAi(async () => output);
    const { reasons, onFallback } = recordingFallbacks();
    const result = await createWorkersAiAnalyser({ ai, onFallback }).analyseWorker(uiFactory);
    expect(result).toEqual(analyseWorkerByRules(uiFactory));
    expect(reasons.map((r) => r.reason)).toEqual(['invalid-response']);
  });

  it('falls back when the binding throws, synchronously or not', async () => {
    const { reasons, onFallback } = recordingFallbacks();
    const rejecting = fakeAi(async () => {
      throw new Error('3040: Capacity temporarily exceeded');
    });
    const throwing = fakeAi(() => {
      throw new Error('binding misconfigured');
    });
    expect(await createWorkersAiAnalyser({ ai: rejecting.ai, onFallback }).analyseWorker(uiFactory)).toEqual(
      analyseWorkerByRules(uiFactory),
    );
    const input = run([uiFactory]);
    expect(await createWorkersAiAnalyser({ ai: throwing.ai, onFallback }).analyseRun(input)).toEqual(analyseRunByRules(input));
    expect(reasons).toEqual([
      { reason: 'error', detail: '3040: Capacity temporarily exceeded' },
      { reason: 'error', detail: 'binding misconfigured' },
    ]);
  });

  it('falls back when the model takes longer than the timeout', async () => {
    const { ai } = fakeAi(() => new Promise((resolve) => setTimeout(() => resolve({ response: answer }), 2_000)));
    const { reasons, onFallback } = recordingFallbacks();
    const started = Date.now();
    const result = await createWorkersAiAnalyser({ ai, timeoutMs: 50, onFallback }).analyseWorker(uiFactory);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(result).toEqual(analyseWorkerByRules(uiFactory));
    expect(reasons).toEqual([{ reason: 'timeout', detail: 'no answer within 50 ms' }]);
  });

  it('logs a warning on fallback by default, and survives a logger that throws', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const { ai } = fakeAi(async () => ({ response: 'nope' }));
      expect(await createWorkersAiAnalyser({ ai }).analyseWorker(uiFactory)).toEqual(analyseWorkerByRules(uiFactory));
      expect(warn).toHaveBeenCalledOnce();
      expect(String(warn.mock.calls[0]![0])).toContain('invalid-response');
    } finally {
      warn.mockRestore();
    }
    const { ai } = fakeAi(async () => ({ response: 'nope' }));
    const onFallback = () => {
      throw new Error('logger down');
    };
    expect(await createWorkersAiAnalyser({ ai, onFallback }).analyseWorker(uiFactory)).toEqual(analyseWorkerByRules(uiFactory));
  });
});

describe('createAnalyser', () => {
  it('is rule-based without an AI binding', async () => {
    expect(createAnalyser()).toBe(ruleBasedAnalyser);
    expect(createAnalyser({ ai: null })).toBe(ruleBasedAnalyser);
    expect(await createAnalyser({}).analyseWorker(uiFactory)).toEqual(analyseWorkerByRules(uiFactory));
  });

  it('uses Workers AI, with the configured model, when the binding is given', async () => {
    const { ai, calls } = fakeAi(async () => ({ response: answer }));
    const analyser = createAnalyser({ ai, model: '@cf/google/gemma-4-26b-a4b-it' });
    expect(await analyser.analyseWorker(uiFactory)).toEqual(answer);
    expect(calls.map((c) => c.model)).toEqual(['@cf/google/gemma-4-26b-a4b-it']);
  });

  it('passes the timeout through', async () => {
    const { ai } = fakeAi(() => new Promise(() => {}));
    const { reasons, onFallback } = recordingFallbacks();
    const result = await createAnalyser({ ai, timeoutMs: 20, onFallback }).analyseWorker(uiFactory);
    expect(result).toEqual(analyseWorkerByRules(uiFactory));
    expect(reasons.map((r) => r.reason)).toEqual(['timeout']);
  });
});
