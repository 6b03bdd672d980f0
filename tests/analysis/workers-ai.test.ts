import { describe, expect, it, vi } from 'vitest';
import { analyseRun } from '../../domain/analysis';
import { analyseAllByRules } from '../../domain/analysis/rule-based';
import {
  analyseWithWorkersAi,
  DEFAULT_AI_MODEL,
  extractAnswer,
  MAX_AI_WORKER_CALLS,
  type AiLike,
  type FallbackReason,
} from '../../domain/analysis/workers-ai';
import { fail, pass, run, suite, uiFactory, worker } from './fixtures';

// The real binding fits the minimal type this module asks for (checked by tsc).
export function acceptsTheBinding(binding: Ai): AiLike {
  return binding;
}

const agentFactory = worker({ workerName: 'agent-factory' });
const fleet = run([uiFactory, agentFactory]);

const workerAnswer = {
  analysis: 'The ui-factory worker shows degraded performance with a health score of 0.85.',
  recommendations: [
    { severity: 'medium', worker: 'ui-factory', text: 'Look into the 40% slower response time' },
    { severity: 'HIGH', worker: null, text: '1. Fix the "external AI service" integration test' },
  ],
};
const runAnswer = {
  analysis: 'The fleet is healthy overall; ui-factory is degraded.',
  recommendations: [{ severity: 'high', worker: 'ui-factory', text: 'Fix ui-factory first' }],
};

/** A stand-in for the Workers AI binding (the outside edge): records calls, answers as told. */
function fakeAi(respond: (prompt: string, input: any) => Promise<unknown> | unknown) {
  const calls: { model: string; input: any; signal: AbortSignal | undefined }[] = [];
  const ai: AiLike = {
    run: (model, input: any, options) => {
      calls.push({ model, input, signal: options?.signal });
      return respond(input.messages[1].content as string, input) as Promise<unknown>;
    },
  };
  return { ai, calls };
}

/** Answers about the run with `runAnswer` and about a worker with `workerAnswer`. */
const answersWell = () => fakeAi(async (prompt) => ({ response: prompt.startsWith('Run:') ? runAnswer : workerAnswer }));

function recordingFallbacks() {
  const reasons: { reason: FallbackReason; detail: string; subject: string }[] = [];
  return { reasons, onFallback: (reason: FallbackReason, detail: string, subject: string) => reasons.push({ reason, detail, subject }) };
}

describe('Workers AI where it pays', () => {
  it('uses a valid answer, ranked by severity, and marks who wrote it', async () => {
    const { ai } = answersWell();
    const { reasons, onFallback } = recordingFallbacks();
    const result = await analyseRun(fleet, { ai, onFallback });
    const ui = result.workers[0]!;
    expect(ui.source).toEqual({ analyser: 'workers-ai', model: DEFAULT_AI_MODEL, unavailable: null });
    expect(ui.analysis).toBe(workerAnswer.analysis);
    expect(ui.recommendations).toEqual([
      { severity: 'high', workerName: 'ui-factory', kind: null, text: 'Fix the "external AI service" integration test' },
      { severity: 'medium', workerName: 'ui-factory', kind: null, text: 'Look into the 40% slower response time' },
    ]);
    expect(result.run).toEqual({
      analysis: runAnswer.analysis,
      recommendations: [{ severity: 'high', workerName: 'ui-factory', kind: null, text: 'Fix ui-factory first' }],
      source: { analyser: 'workers-ai', model: DEFAULT_AI_MODEL, unavailable: null },
    });
    // agent-factory has nothing to fix: the rules wrote its analysis, no model was asked
    expect(result.workers[1]!.source).toEqual({ analyser: 'rules', model: null, unavailable: null });
    expect(result.calls).toBe(2);
    expect(reasons).toEqual([]);
  });

  it('sends findings, not raw JSON, to the configured model in JSON mode', async () => {
    const { ai, calls } = answersWell();
    await analyseRun(fleet, { ai, model: '@cf/zai-org/glm-4.7-flash' });
    expect(calls.map((c) => c.model)).toEqual(['@cf/zai-org/glm-4.7-flash', '@cf/zai-org/glm-4.7-flash']);
    const request = calls[1]!.input;
    expect(request.response_format.type).toBe('json_schema');
    expect(request.response_format.json_schema.required).toEqual(['analysis', 'recommendations']);
    expect(request.messages[0].role).toBe('system');
    const prompt: string = request.messages[1].content;
    expect(prompt).toContain('Worker: ui-factory (type ui-factory)');
    expect(prompt).toContain('- Response time is up 40% against its baseline of 120 ms');
    expect(prompt).toContain('- [high] (ui-factory) Fix the failing integration test "external AI service"');
    expect(prompt).not.toContain(JSON.stringify(uiFactory.unitTests));
    expect(prompt).not.toContain('"durationMs"');
    const runPrompt: string = calls[0]!.input.messages[1].content;
    expect(runPrompt).toMatch(/^Run: completed, 2 of 2 workers finished/);
    expect(runPrompt).not.toContain('"workerName"');
  });

  it.each([
    ['text that is not JSON', { response: 'The worker looks fine to me.' }, 'the answer is not valid JSON'],
    ['JSON of the wrong shape', { response: { analysis: 'ok' } }, 'the answer does not have the expected shape'],
    ['no recommendations', { response: { analysis: 'ok', recommendations: [] } }, 'expected shape'],
    ['plain-string recommendations', { response: { analysis: 'ok', recommendations: ['x'] } }, 'expected shape'],
    ['an unknown severity', { response: { analysis: 'ok', recommendations: [{ severity: 'urgent', worker: null, text: 'x' }] } }, 'expected shape'],
    ['another worker', { response: { analysis: 'ok', recommendations: [{ severity: 'low', worker: 'agent-factory', text: 'x' }] } }, 'names another worker'],
    ['nothing', undefined, 'expected shape'],
    ['a chat answer without content', { choices: [{ message: {} }] }, 'the answer has no message content'],
  ])('falls back to the rules on %s, with the reason recorded', async (_, output, why) => {
    const { ai } = fakeAi(async (prompt) => (prompt.startsWith('Run:') ? { response: runAnswer } : output));
    const { reasons, onFallback } = recordingFallbacks();
    const result = await analyseRun(fleet, { ai, onFallback });
    const rules = analyseAllByRules(fleet);
    const { source, ...ui } = result.workers[0]!;
    expect(ui).toEqual(rules.workers[0]!.analysis);
    expect(source.analyser).toBe('rules');
    expect(source.model).toBe(DEFAULT_AI_MODEL);
    expect(source.unavailable).toMatch(new RegExp(`^AI analysis unavailable: .*${why}`));
    expect(reasons).toEqual([expect.objectContaining({ reason: 'invalid-response', subject: 'ui-factory' })]);
    // the run's own answer was good
    expect(result.run.source.analyser).toBe('workers-ai');
  });

  it('falls back when the binding throws, synchronously or not', async () => {
    const { reasons, onFallback } = recordingFallbacks();
    const rejecting = fakeAi(async () => {
      throw new Error('3040: Capacity temporarily exceeded');
    });
    const result = await analyseRun(fleet, { ai: rejecting.ai, onFallback });
    expect(result.run.source.unavailable).toBe('AI analysis unavailable: 3040: Capacity temporarily exceeded');
    const throwing = fakeAi(() => {
      throw new Error('binding misconfigured');
    });
    const again = await analyseRun(fleet, { ai: throwing.ai, onFallback });
    expect(again.workers[0]!.source.unavailable).toBe('AI analysis unavailable: binding misconfigured');
    expect(reasons.map((r) => r.reason)).toEqual(['error', 'error', 'error', 'error']);
  });

  it('falls back when the model hangs: every call shares one time limit, and is told to stop', async () => {
    const { ai, calls } = fakeAi(() => new Promise(() => {}));
    const { reasons, onFallback } = recordingFallbacks();
    const started = Date.now();
    const result = await analyseRun(fleet, { ai, timeLimitMs: 50, onFallback });
    expect(Date.now() - started).toBeLessThan(1_500);
    const rules = analyseAllByRules(fleet);
    expect({ analysis: result.run.analysis, recommendations: result.run.recommendations }).toEqual(rules.run);
    expect(result.run.source).toEqual({ analyser: 'rules', model: DEFAULT_AI_MODEL, unavailable: 'AI analysis unavailable: no answer within 50 ms' });
    expect(result.workers[0]!.source.unavailable).toBe('AI analysis unavailable: no answer within 50 ms');
    expect(reasons.map((r) => [r.subject, r.reason])).toEqual([
      ['run', 'timeout'],
      ['ui-factory', 'timeout'],
    ]);
    expect(calls.every((call) => call.signal?.aborted)).toBe(true);
  });

  it('asks about the run and at most its worst few workers: a 300-worker run makes a bounded number of calls', async () => {
    const workers = Array.from({ length: 300 }, (_, i) =>
      worker({
        workerName: `worker-${String(i).padStart(3, '0')}`,
        // every tenth worker has a failing test, every fiftieth two
        unitTests: suite([pass('a'), i % 10 ? pass('b') : fail('b', 'Error: boom'), i % 50 ? pass('c') : fail('c', 'Error: bang')]),
      }),
    );
    const { ai, calls } = fakeAi(async () => ({ response: { analysis: 'ok', recommendations: [{ severity: 'high', worker: null, text: 'Fix it' }] } }));
    const result = await analyseRun(run(workers), { ai, onFallback: () => {} });
    expect(calls.length).toBe(1 + MAX_AI_WORKER_CALLS);
    expect(result.calls).toBe(1 + MAX_AI_WORKER_CALLS);
    // the worst: the ones failing two tests, lowest score first, then by name
    const asked = result.workers.flatMap((w, i) => (w.source.analyser === 'workers-ai' ? [workers[i]!.workerName] : []));
    expect(asked).toEqual(['worker-000', 'worker-050', 'worker-100']);
    expect(result.workers.filter((w) => w.source.analyser === 'rules')).toHaveLength(300 - MAX_AI_WORKER_CALLS);
  });

  it('asks only about the run when every worker is fine', async () => {
    const { ai, calls } = answersWell();
    await analyseWithWorkersAi(run([agentFactory]), analyseAllByRules(run([agentFactory])), { ai });
    expect(calls).toHaveLength(1);
  });

  it('logs a warning on fallback by default, and survives a logger that throws', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const { ai } = fakeAi(async () => ({ response: 'nope' }));
      await analyseRun(run([agentFactory]), { ai });
      expect(warn).toHaveBeenCalledOnce();
      expect(String(warn.mock.calls[0]![0])).toContain('invalid-response');
    } finally {
      warn.mockRestore();
    }
    const { ai } = fakeAi(async () => ({ response: 'nope' }));
    const onFallback = () => {
      throw new Error('logger down');
    };
    const result = await analyseRun(run([agentFactory]), { ai, onFallback });
    expect(result.run.source.analyser).toBe('rules');
  });

  it('accepts the answer as JSON text, fenced or not, and the chat-completions shape', () => {
    const names = new Set(['ui-factory']);
    const fenced = '```json\n' + JSON.stringify(workerAnswer) + '\n```';
    expect(extractAnswer({ response: fenced }, names, 'ui-factory').recommendations.map((r) => r.text)).toEqual([
      'Fix the "external AI service" integration test',
      'Look into the 40% slower response time',
    ]);
    expect(extractAnswer({ choices: [{ message: { role: 'assistant', content: JSON.stringify(runAnswer) } }] }, names).analysis).toBe(runAnswer.analysis);
    expect(() => extractAnswer({ response: runAnswer }, new Set(['agent-factory']))).toThrow(/did not check/);
  });

  it('is rule-based without an AI binding', async () => {
    const result = await analyseRun(fleet);
    const rules = analyseAllByRules(fleet);
    expect(result.calls).toBe(0);
    expect(result.run).toEqual({ ...rules.run, source: { analyser: 'rules', model: null, unavailable: null } });
    expect(result.workers.map(({ source: _, ...analysis }) => analysis)).toEqual(rules.workers.map((w) => w.analysis));
  });
});
