/**
 * The analysis against fixed histories in the real local D1: runs are written as the pipeline
 * would have left them and finalised by the real operation, one after another, so each builds on
 * the ones before; then read back through GraphQL.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { workerHealthChecks } from '../../db/worker-health-checks';
import { DEFAULT_AI_MODEL, MAX_AI_WORKER_CALLS, type AiLike } from '../../domain/analysis';
import { answeredMessage, CANCELLED_MESSAGE } from '../../domain/failure-messages';
import { createOperationDeps } from '../../durable/operation-deps';
import { analyseFinishedRun } from '../../operations/analyse-run';
import { finaliseRunIfComplete } from '../../operations/finalise';
import { seedRun } from '../helpers/fixtures';
import { codes, gql } from '../helpers/graphql';
import { FLEET, initiate, register, waitForRun } from '../runs/helpers';

type WorkerInsert = Partial<typeof workerHealthChecks.$inferInsert>;

const DAY = 86_400_000;
const SDK_401 = JSON.stringify({ error: "The dispatch's signature was refused: No matching signature found" });

/** A completed check as a worker's callback would have left it. */
function check(workerName: string, options: { score?: number; at?: Date; perf?: Record<string, number>; responseTimeMs?: number; failPerf?: string[] } = {}): WorkerInsert {
  const perf = Object.entries(options.perf ?? {}).map(([name, durationMs]) => ({
    name,
    status: options.failPerf?.includes(name) ? 'failed' : 'passed',
    durationMs,
    ...(options.failPerf?.includes(name) ? { error: `took ${durationMs} ms, budget 25 ms` } : {}),
  }));
  const perfPassed = perf.filter((t) => t.status === 'passed').length;
  return {
    workerName,
    workerType: workerName,
    status: 'completed',
    healthScore: options.score ?? 1,
    unitTestsTotal: 1,
    unitTestsPassed: 1,
    unitTestResults: JSON.stringify([{ name: 'works', status: 'passed', durationMs: 1 }]),
    performanceTestsTotal: perf.length,
    performanceTestsPassed: perfPassed,
    performanceTestsFailed: perf.length - perfPassed,
    performanceTestResults: JSON.stringify(perf),
    integrationTestsTotal: 0,
    integrationTestResults: '[]',
    responseTimeMs: options.responseTimeMs ?? 50,
    orchestratorConnectivity: true,
    databaseConnectivity: null,
    externalApiConnectivity: null,
    warnings: '[]',
    ...(options.at ? { requestedAt: options.at, completedAt: options.at } : {}),
  };
}

/** A check that ended without a result; the connectivity columns keep their FALSE defaults. */
function failedCheck(workerName: string, errorMessage: string, at?: Date): WorkerInsert {
  return { workerName, workerType: workerName, status: 'failed', healthScore: 0, errorMessage, ...(at ? { requestedAt: at, completedAt: at } : {}) };
}

/** Writes a run whose workers are all final, and finalises it with the real operation. */
async function finalised(workers: WorkerInsert[], options: { at?: Date; env?: Env } = {}) {
  const uuid = await seedRun({ status: 'running', ...(options.at ? { startedAt: options.at } : {}) }, workers);
  expect(await finaliseRunIfComplete(createOperationDeps(options.env ?? env, () => {}), uuid)).toBe(true);
  return uuid;
}

const ANALYSIS = `query ($uuid: ID!) { healthCheck(uuid: $uuid) {
  status overallHealthScore aiAnalysis aiRecommendations
  analysisSource { analyser model unavailableReason description }
  recommendations { severity workerName kind text }
  workerResults { workerName status aiWorkerAnalysis aiWorkerRecommendations
    analysisSource { analyser model unavailableReason description }
    recommendations { severity workerName kind text } } } }`;

async function analysisOf(uuid: string): Promise<any> {
  const response = await gql(ANALYSIS, { uuid });
  expect(response.errors).toBeUndefined();
  return response.data!.healthCheck;
}

const SEVERITY_ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];
function expectRanked(recommendations: { severity: string }[]) {
  const ranks = recommendations.map((r) => SEVERITY_ORDER.indexOf(r.severity));
  expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
}

describe('like-for-like comparisons', () => {
  it('compares a run filtered to one worker with that worker, never with the whole fleet', async () => {
    // Two full-fleet runs: 1, 0.9 and 0.8834 make 0.9278.
    for (let i = 0; i < 2; i++) {
      await finalised([check('agent-factory'), check('data-factory', { score: 0.9 }), check('ui-factory', { score: 0.8834 })]);
    }
    const filtered = await analysisOf(await finalised([check('agent-factory')]));
    expect(filtered.aiAnalysis).not.toContain('0.9278');
    expect(filtered.aiAnalysis).toContain(
      'No earlier run checked exactly this worker, so each is compared with its own previous check: the mean score of the worker is 1 now against 1 then (stable).',
    );
    // The next run of just that worker is compared with that run.
    const again = await analysisOf(await finalised([check('agent-factory')]));
    expect(again.aiAnalysis).toContain('The score is stable against the previous run of the same worker (agent-factory) (1).');
    // And a full-fleet run with the full-fleet runs, in any order of its workers.
    const full = await analysisOf(await finalised([check('ui-factory', { score: 0.7 }), check('agent-factory'), check('data-factory', { score: 0.9 })]));
    expect(full.aiAnalysis).toContain('The score is down 0.0611 from 0.9278 in the previous run of the same 3 workers.');
    expect(full.recommendations).toContainEqual(
      expect.objectContaining({ severity: 'MEDIUM', workerName: null, kind: 'FLEET_TREND', text: expect.stringContaining('against the previous run of the same 3 workers') }),
    );
  });
});

describe('baselines per test', () => {
  const history = [100, 110, 90, 100];

  async function withHistory(current: WorkerInsert, baselineEnv?: Env) {
    for (const [i, ms] of history.entries()) {
      await finalised([check('ui-factory', { perf: { 'render table': ms, 'render cards': 100 + i }, responseTimeMs: 80 })]);
    }
    return finalised([current], baselineEnv ? { env: baselineEnv } : {});
  }

  it('flags a regression with its percentage against the median of the last N checks, and notices an improvement', async () => {
    const { workerResults } = await analysisOf(
      await withHistory(check('ui-factory', { perf: { 'render table': 150, 'render cards': 60 }, responseTimeMs: 80, score: 0.97 })),
    );
    const [ui] = workerResults;
    // median(100, 110, 90, 100) = 100; the current run's own 150 is not part of it
    expect(ui.aiWorkerAnalysis).toContain('Performance test "render table" took 150 ms, 50% slower than its baseline of 100 ms (median of its last 4 checks).');
    // median(100, 101, 102, 103) = 101.5
    expect(ui.aiWorkerAnalysis).toContain('Performance test "render cards" took 60 ms, 41% faster than its baseline of 101.5 ms (median of its last 4 checks).');
    expect(ui.aiWorkerAnalysis).toContain('Response time is 80 ms, in line with its baseline of 80 ms.');
    expect(ui.recommendations).toEqual([
      expect.objectContaining({ severity: 'MEDIUM', kind: 'SLOW', workerName: 'ui-factory', text: expect.stringContaining('"render table" on ui-factory: 150 ms against a baseline of 100 ms (+50%)') }),
    ]);
  });

  it('takes N and the margin from the vars', async () => {
    const current = check('ui-factory', { perf: { 'render table': 150, 'render cards': 60 }, failPerf: ['render table'], responseTimeMs: 80, score: 0.93 });
    const { workerResults } = await analysisOf(await withHistory(current, { ...env, ANALYSIS_BASELINE_CHECKS: '2', ANALYSIS_REGRESSION_MARGIN_PERCENT: '60' }));
    const [ui] = workerResults;
    // the last two: median(90, 100) = 95, so +58%: within a 60% margin
    expect(ui.aiWorkerAnalysis).toContain('"render table" failed (took 150 ms, budget 25 ms); it took 150 ms, in line with its baseline of 95 ms (median of its last 2 checks), +58%.');
    expect(ui.aiWorkerAnalysis).not.toContain('slower');
    expect(ui.aiWorkerAnalysis).not.toContain('faster');
    expect(ui.recommendations.map((r: any) => [r.severity, r.kind])).toEqual([['MEDIUM', 'FAILING_TESTS']]);
  });
});

describe('advice that fits the cause', () => {
  it('tells a worker whose secret is wrong to fix its secret, and says nothing about checks it does not have', async () => {
    // "impostor" is routed to agent-factory's code: the dispatch is signed with impostor's secret,
    // so agent-factory answers 401, as a worker with a wrong HEALTH_CHECK_SECRET does.
    await register([FLEET[0]!, { name: 'impostor', type: 'agent', binding: 'AGENT_FACTORY' }]);
    const uuid = await initiate();
    await waitForRun(uuid);
    const run = await analysisOf(uuid);
    const impostor = run.workerResults.find((w: any) => w.workerName === 'impostor');
    expect(impostor.status).toBe('FAILED');
    expect(impostor.recommendations[0]).toEqual({
      severity: 'CRITICAL',
      workerName: 'impostor',
      kind: 'SIGNATURE_REFUSED',
      text: "Reset impostor's signing secret: run `worker-health workers secret impostor --wrangler-put` (or `worker-health workers secret impostor --dev-vars .dev.vars` locally), then redeploy or restart impostor so its HEALTH_CHECK_SECRET matches the one the orchestrator signs with.",
    });
    const said = [impostor.aiWorkerAnalysis, ...impostor.aiWorkerRecommendations].join('\n');
    expect(said).not.toMatch(/database|external API|deployed|service binding/);
    // The run's recommendations lead with it, ranked by severity.
    expect(run.recommendations[0]).toMatchObject({ severity: 'CRITICAL', workerName: 'impostor', kind: 'SIGNATURE_REFUSED' });
    expectRanked(run.recommendations);
    expect(run.aiRecommendations).toEqual(run.recommendations.map((r: any) => r.text));
    expect(run.analysisSource).toEqual({ analyser: 'RULES', model: null, unavailableReason: null, description: 'rules' });
  });

  it('reads a failed check’s FALSE connectivity defaults as not measured', async () => {
    const uuid = await finalised([failedCheck('billing', answeredMessage('billing', 401, SDK_401)), check('agent-factory')]);
    const { workerResults } = await analysisOf(uuid);
    const billing = workerResults.find((w: any) => w.workerName === 'billing');
    expect(billing.recommendations.map((r: any) => r.kind)).toEqual(['SIGNATURE_REFUSED']);
    expect(billing.aiWorkerAnalysis).not.toMatch(/database|external API|connectivity/i);
  });
});

const TREND = `query ($name: String!, $last: Int, $since: DateTime) { workerTrend(workerName: $name, lastChecks: $last, since: $since) {
  workerName history { at score healthStatus status }
  trend { direction slopePerDay change rSquared points description }
  prediction { fromBand intoBand threshold expectedAt confidence rSquared points explanation }
  predictionNote
  uptime { window checks upChecks healthyChecks uptimePercent healthyRatio } } }`;

async function trendOf(name: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await gql(TREND, { name, ...variables });
  expect(response.errors).toBeUndefined();
  return response.data!.workerTrend;
}

/** One check a day up to now (the last one an hour ago), one run each, with these scores. */
async function dailyChecks(workerName: string, scores: number[]) {
  const now = Date.now();
  for (const [i, score] of scores.entries()) {
    const at = new Date(now - (scores.length - 1 - i) * DAY - 3_600_000);
    await finalised([check(workerName, { score, at })], { at });
  }
}

describe('trends, uptime and prediction', () => {
  it('a falling worker: its history oldest first, a falling trend, and when it would turn degraded', async () => {
    await dailyChecks('sliding', [0.99, 0.98, 0.97, 0.96, 0.95, 0.94]);
    const trend = await trendOf('sliding');
    expect(trend.history.map((p: any) => p.score)).toEqual([0.99, 0.98, 0.97, 0.96, 0.95, 0.94]);
    expect(trend.history.map((p: any) => p.healthStatus)).toEqual(Array(6).fill('HEALTHY'));
    expect(trend.trend).toMatchObject({ direction: 'FALLING', points: 6 });
    expect(trend.trend.slopePerDay).toBeCloseTo(-0.01, 4);
    expect(trend.prediction).toMatchObject({ fromBand: 'HEALTHY', intoBand: 'DEGRADED', threshold: 0.9, confidence: 'MEDIUM', points: 6 });
    // 0.94 an hour ago, 0.01 a day: 0.9 four days from then
    const expected = Date.now() - 3_600_000 + 4 * DAY;
    expect(Math.abs(Date.parse(trend.prediction.expectedAt) - expected)).toBeLessThan(5 * 60_000);
    expect(trend.predictionNote).toBeNull();
    // The worker's own analysis says so too.
    const latest = await gql('{ healthChecks(first: 1) { edges { node { workerResults { aiWorkerAnalysis recommendations { kind } } } } } }');
    const ownAnalysis = latest.data!.healthChecks.edges[0].node.workerResults[0];
    expect(ownAnalysis.aiWorkerAnalysis).toContain('into the degraded band');
    expect(ownAnalysis.recommendations.map((r: any) => r.kind)).toContain('PREDICTION');
  });

  it('a rising and a flat worker: no prediction, and why', async () => {
    await dailyChecks('climbing', [0.6, 0.65, 0.7, 0.75, 0.8, 0.85]);
    await dailyChecks('steady', [0.95, 0.95, 0.95, 0.95, 0.95, 0.95]);
    const climbing = await trendOf('climbing');
    expect(climbing.trend.direction).toBe('RISING');
    expect(climbing.prediction).toBeNull();
    expect(climbing.predictionNote).toBe('No fall to predict: the score is rising.');
    const steady = await trendOf('steady');
    expect(steady.trend).toMatchObject({ direction: 'FLAT', change: 0 });
    expect(steady.prediction).toBeNull();
    expect(steady.predictionNote).toBe('No fall to predict: the score is flat.');
    // too few checks for either
    const short = await trendOf('steady', { last: 2 });
    expect(short.history).toHaveLength(2);
    expect(short.trend.direction).toBe('UNCLEAR');
    expect(short.predictionNote).toMatch(/^Too few checks to predict \(2; at least 5/);
  });

  it('uptime and the healthy ratio over 24 hours, 7 days and 30 days, cancelled checks left out', async () => {
    const now = Date.now();
    const at = (days: number) => new Date(now - days * DAY - 60_000);
    // 0.5 and 20 days ago healthy; 2 days ago degraded; 3 days ago unreachable; 10 days ago
    // healthy; 1 day ago cancelled (not counted)
    for (const [days, row] of [
      [20, check('billing', { at: at(20) })],
      [10, check('billing', { at: at(10) })],
      [3, failedCheck('billing', answeredMessage('billing', 502, 'Bad Gateway'), at(3))],
      [2, check('billing', { at: at(2), score: 0.8 })],
      [1, failedCheck('billing', CANCELLED_MESSAGE, at(1))],
      [0.5, check('billing', { at: at(0.5) })],
    ] as const) {
      await finalised([row], { at: at(days) });
    }
    const { uptime, history } = await trendOf('billing');
    expect(history.map((p: any) => p.status)).toEqual(['COMPLETED', 'COMPLETED', 'FAILED', 'COMPLETED', 'COMPLETED']);
    expect(uptime).toEqual([
      { window: 'LAST_24_HOURS', checks: 1, upChecks: 1, healthyChecks: 1, uptimePercent: 100, healthyRatio: 1 },
      { window: 'LAST_7_DAYS', checks: 3, upChecks: 2, healthyChecks: 1, uptimePercent: 66.67, healthyRatio: 0.3333 },
      { window: 'LAST_30_DAYS', checks: 5, upChecks: 4, healthyChecks: 3, uptimePercent: 80, healthyRatio: 0.6 },
    ]);
    // a window: the checks since 5 days ago
    const recent = await trendOf('billing', { since: new Date(now - 5 * DAY).toISOString() });
    expect(recent.history.map((p: any) => p.status)).toEqual(['FAILED', 'COMPLETED', 'COMPLETED']);
  });

  it('refuses an unknown worker and points out of range', async () => {
    expect(codes(await gql(TREND, { name: 'nobody' }))).toEqual(['NOT_FOUND']);
    await dailyChecks('steady', [1]);
    expect(codes(await gql(TREND, { name: 'steady', last: 0 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(TREND, { name: 'steady', last: 501 }))).toEqual(['BAD_USER_INPUT']);
    // registered but never checked: an empty history
    await register([FLEET[0]!]);
    expect((await trendOf('agent-factory')).history).toEqual([]);
  });

  it("the fleet's trend follows its runs of the same workers, and its uptime every worker check", async () => {
    const now = Date.now();
    const at = (days: number) => new Date(now - days * DAY - 60_000);
    for (const [i, score] of [1, 0.95, 0.9, 0.85, 0.8].entries()) {
      await finalised([check('a', { at: at(5 - i), score }), check('b', { at: at(5 - i), score })], { at: at(5 - i) });
    }
    // a run filtered to one of them is not part of the series
    await finalised([check('a', { at: at(0.5) })], { at: at(0.5) });
    await finalised([check('b', { at: at(0.2), score: 0.75 }), check('a', { at: at(0.2), score: 0.75 })], { at: at(0.2) });
    const response = await gql(`{ fleetTrend { workerNames history { score totalWorkers } trend { direction } predictionNote prediction { intoBand }
      uptime { window checks upChecks } } }`);
    expect(response.errors).toBeUndefined();
    const fleet = response.data!.fleetTrend;
    expect(fleet.workerNames).toEqual(['a', 'b']);
    expect(fleet.history.map((p: any) => p.score)).toEqual([1, 0.95, 0.9, 0.85, 0.8, 0.75]);
    expect(fleet.history.every((p: any) => p.totalWorkers === 2)).toBe(true);
    expect(fleet.trend.direction).toBe('FALLING');
    expect(fleet.uptime.map((w: any) => w.checks)).toEqual([3, 13, 13]);
  });
});

/** A stand-in for the Workers AI binding: counts calls, answers as told. */
function standIn(respond: (prompt: string) => Promise<unknown> | unknown) {
  const calls: string[] = [];
  const ai: AiLike = {
    run: (_model, input: any) => {
      const prompt = input.messages[1].content as string;
      calls.push(prompt);
      return Promise.resolve().then(() => respond(prompt));
    },
  };
  return { calls, env: { ...env, AI: ai as unknown as Ai }, ai };
}

const GOOD = { response: { analysis: 'Written by the model.', recommendations: [{ severity: 'high', worker: null, text: 'Do the thing' }] } };

describe('Workers AI at finalisation', () => {
  const degraded = () => [check('ui-factory', { score: 0.8, perf: { 'render table': 90 }, failPerf: ['render table'] }), check('agent-factory')];

  it('an answer that fits is used and marked with the model', async () => {
    const { calls, env: aiEnv } = standIn(() => GOOD);
    const run = await analysisOf(await finalised(degraded(), { env: aiEnv }));
    expect(calls).toHaveLength(2); // the run and ui-factory; agent-factory has nothing to fix
    expect(run.aiAnalysis).toBe('Written by the model.');
    expect(run.analysisSource).toEqual({ analyser: 'WORKERS_AI', model: DEFAULT_AI_MODEL, unavailableReason: null, description: `Workers AI (${DEFAULT_AI_MODEL})` });
    expect(run.recommendations).toEqual([{ severity: 'HIGH', workerName: null, kind: null, text: 'Do the thing' }]);
    const [ui, agent] = run.workerResults;
    expect(ui.analysisSource.analyser).toBe('WORKERS_AI');
    expect(ui.recommendations).toEqual([{ severity: 'HIGH', workerName: 'ui-factory', kind: null, text: 'Do the thing' }]);
    expect(agent.analysisSource).toEqual({ analyser: 'RULES', model: null, unavailableReason: null, description: 'rules' });
  });

  it('garbage falls back to the rules, with the reason recorded', async () => {
    const { env: aiEnv } = standIn(() => ({ response: 'Everything is fine, trust me.' }));
    const run = await analysisOf(await finalised(degraded(), { env: aiEnv }));
    expect(run.analysisSource).toEqual({
      analyser: 'RULES',
      model: DEFAULT_AI_MODEL,
      unavailableReason: 'AI analysis unavailable: the answer is not valid JSON',
      description: 'rules (AI analysis unavailable: the answer is not valid JSON)',
    });
    expect(run.aiAnalysis).toMatch(/^The fleet is healthy with an overall health score of 0.9,/);
    expect(run.workerResults[0].analysisSource.unavailableReason).toBe('AI analysis unavailable: the answer is not valid JSON');
  });

  it('a model that hangs falls back once the time limit is up, with the reason recorded', async () => {
    const { ai } = standIn(() => new Promise(() => {}));
    const uuid = await seedRun({ status: 'running' }, degraded());
    const run = (await createOperationDeps(env, () => {}).db.query.healthChecks.findFirst({ where: { healthCheckUuid: uuid }, with: { workerResults: { orderBy: { id: 'asc' } } } }))!;
    const started = Date.now();
    const columns = await analyseFinishedRun(
      createOperationDeps(env, () => {}),
      { id: run.id, healthCheckUuid: uuid, status: 'completed', score: 0.9, counts: { completedWorkers: 2, passedWorkers: 2, failedWorkers: 0 }, workers: run.workerResults },
      { ai, timeLimitMs: 100, onFallback: () => {} },
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(JSON.parse(columns.run.analysisSource)).toEqual({ analyser: 'rules', model: DEFAULT_AI_MODEL, unavailable: 'AI analysis unavailable: no answer within 100 ms' });
    expect(columns.run.aiAnalysis).toMatch(/^The fleet is /);
    expect(columns.calls).toBe(2);
  });

  it('COMPLETED waits for a hanging model no longer than the time limit (15 s)', { timeout: 30_000 }, async () => {
    const { env: aiEnv } = standIn(() => new Promise(() => {}));
    const started = Date.now();
    const run = await analysisOf(await finalised(degraded(), { env: aiEnv }));
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(15_000);
    expect(took).toBeLessThan(17_000);
    expect(run.status).toBe('COMPLETED');
    expect(run.analysisSource.unavailableReason).toBe('AI analysis unavailable: no answer within 15000 ms');
  });

  it('a 300-worker run makes no more than the bounded number of model calls', { timeout: 60_000 }, async () => {
    const { calls, env: aiEnv } = standIn(() => GOOD);
    const workers = Array.from({ length: 300 }, (_, i) => check(`worker-${String(i).padStart(3, '0')}`, { score: i % 3 ? 1 : 0.8, perf: { render: 10 }, failPerf: i % 3 ? [] : ['render'] }));
    const run = await analysisOf(await finalised(workers, { env: aiEnv }));
    expect(calls).toHaveLength(1 + MAX_AI_WORKER_CALLS);
    expect(run.workerResults.filter((w: any) => w.analysisSource.analyser === 'WORKERS_AI')).toHaveLength(MAX_AI_WORKER_CALLS);
    expect(run.workerResults.filter((w: any) => w.analysisSource.analyser === 'RULES')).toHaveLength(300 - MAX_AI_WORKER_CALLS);
    expect(run.workerResults.every((w: any) => w.aiWorkerAnalysis && w.recommendations.length > 0)).toBe(true);
    // the prompt about the run carries findings, not every worker's data
    expect(calls[0]!.length).toBeLessThan(12_001);
    expect(calls[0]).not.toContain('performanceTestResults');
  });
});
