/**
 * The analysis as a user of `npm start` sees it after a few runs, over real HTTP against the real
 * stack: the degraded demo worker's slow tests against their own baselines, its trend and uptime,
 * recommendations ranked with severities, who wrote them; and a worker whose secret is wrong told
 * to fix its secret.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const baseUrl = inject('baseUrl');
const adminKey = inject('adminKey');

interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function data<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>;
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data as T;
}

const ANALYSIS = `query ($uuid: ID!) { healthCheck(uuid: $uuid) {
  uuid status aiAnalysis aiRecommendations
  analysisSource { analyser model unavailableReason description }
  recommendations { severity workerName kind text }
  workerResults { workerName status errorMessage aiWorkerAnalysis aiWorkerRecommendations
    analysisSource { analyser description }
    recommendations { severity workerName kind text } } } }`;

async function runToEnd(input: Record<string, unknown> = {}): Promise<any> {
  const { initiateHealthCheck } = await data<{ initiateHealthCheck: { healthCheckUuid: string } }>(
    'mutation ($input: InitiateHealthCheckInput) { initiateHealthCheck(input: $input) { healthCheckUuid } }',
    { input },
  );
  const uuid = initiateHealthCheck.healthCheckUuid;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { healthCheck } = await data<{ healthCheck: any }>(ANALYSIS, { uuid });
    if (healthCheck.status !== 'RUNNING') return healthCheck;
    if (Date.now() > deadline) throw new Error(`run ${uuid} still RUNNING after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];
function expectRanked(recommendations: { severity: string }[]) {
  expect(recommendations.length).toBeGreaterThan(0);
  const ranks = recommendations.map((r) => SEVERITIES.indexOf(r.severity));
  expect(ranks.every((rank) => rank >= 0)).toBe(true);
  expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
}

describe('the analysis after a few runs of the demo fleet', () => {
  let latest: any;

  beforeAll(async () => {
    // Three runs build a history (other e2e files may have added to it); the fourth is analysed.
    for (let i = 0; i < 3; i++) await runToEnd({ triggerSource: `e2e-analysis-${i}` });
    latest = await runToEnd({ triggerSource: 'e2e-analysis' });
  }, 180_000);

  it("names the degraded worker's slow tests with percentages against their own baselines", () => {
    const ui = latest.workerResults.find((w: any) => w.workerName === 'ui-factory');
    expect(ui.status).toBe('COMPLETED');
    const analysis: string = ui.aiWorkerAnalysis;
    // Each failing performance test is said with its duration against its own median.
    const slow = [...analysis.matchAll(/"(renders [^"]+)" failed \(took [\d.]+ ms, budget 25 ms\); it took ([\d.]+) ms, (?:\d+% (?:slower|faster) than|in line with) its baseline of ([\d.]+) ms \(median of its last (\d+) checks\)(?:, [+−]\d+%)?/g)];
    expect(slow.length, analysis).toBeGreaterThan(0);
    for (const [, , , baseline, checks] of slow) {
      expect(Number(baseline)).toBeGreaterThan(0);
      expect(Number(checks)).toBeGreaterThanOrEqual(3);
    }
    expect(ui.recommendations.some((r: any) => r.kind === 'FAILING_TESTS' && r.severity === 'MEDIUM' && /Bring the performance test "renders/.test(r.text))).toBe(true);
  });

  it('ranks recommendations by severity, each with its worker or the fleet, and says who wrote them', () => {
    expectRanked(latest.recommendations);
    expect(latest.aiRecommendations).toEqual(latest.recommendations.map((r: any) => r.text));
    expect(latest.recommendations.some((r: any) => r.workerName === 'ui-factory')).toBe(true);
    for (const worker of latest.workerResults) expectRanked(worker.recommendations);
    // No AI binding under npm start: the rules wrote it, and say so.
    expect(latest.analysisSource).toEqual({ analyser: 'RULES', model: null, unavailableReason: null, description: 'rules' });
    expect(latest.workerResults.every((w: any) => w.analysisSource.analyser === 'RULES')).toBe(true);
    // Compared with runs of the same three workers.
    expect(latest.aiAnalysis).toMatch(/(stable against|(up|down) [\d.]+ from [\d.]+ in) the previous run of the same 3 workers/);
  });

  it("makes the degraded worker's trend and uptime queryable", async () => {
    const { workerTrend } = await data(`{ workerTrend(workerName: "ui-factory", lastChecks: 10) {
      history { at score healthStatus status } trend { direction points description } prediction { intoBand } predictionNote
      uptime { window checks upChecks healthyChecks uptimePercent healthyRatio } } }`);
    expect(workerTrend.history.length).toBeGreaterThanOrEqual(4);
    expect(workerTrend.history.every((p: any) => p.status === 'COMPLETED' && p.score > 0)).toBe(true);
    const times = workerTrend.history.map((p: any) => Date.parse(p.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // Checks seconds apart are too short a window for a trend or a prediction, and it says so.
    expect(workerTrend.trend.direction).toBe('UNCLEAR');
    expect(workerTrend.prediction).toBeNull();
    expect(workerTrend.predictionNote).toEqual(expect.any(String));
    expect(workerTrend.uptime.map((w: any) => w.window)).toEqual(['LAST_24_HOURS', 'LAST_7_DAYS', 'LAST_30_DAYS']);
    const [day] = workerTrend.uptime;
    expect(day.checks).toBeGreaterThanOrEqual(4);
    expect(day).toMatchObject({ upChecks: day.checks, uptimePercent: 100 });
    expect(day.healthyRatio).toBeGreaterThanOrEqual(0);

    const { fleetTrend } = await data('{ fleetTrend { workerNames history { score totalWorkers } uptime { window checks } } }');
    expect(fleetTrend.workerNames).toEqual(['agent-factory', 'data-factory', 'ui-factory']);
    expect(fleetTrend.history.length).toBeGreaterThanOrEqual(4);
    expect(fleetTrend.history.every((p: any) => p.totalWorkers === 3)).toBe(true);
  });
});

describe('a worker whose secret is wrong', () => {
  // Routed to ui-factory's code under another name: the dispatch is signed with this name's secret,
  // which ui-factory's HEALTH_CHECK_SECRET does not match, so it answers 401. Registered for this
  // file only (the other files count the registry).
  const NAME = 'wrong-secret';

  beforeAll(async () => {
    await data('mutation { registerWorker(input: { name: "wrong-secret", type: "wrong-secret", binding: "UI_FACTORY" }) { name } }');
  });
  afterAll(async () => {
    await data('mutation { removeWorker(name: "wrong-secret") }');
  });

  it('is told to fix its secret, with the CLI command, and nothing about checks it does not have', async () => {
    const run = await runToEnd({ workerFilters: [NAME] });
    const [worker] = run.workerResults;
    expect(worker).toMatchObject({ workerName: NAME, status: 'FAILED' });
    expect(worker.errorMessage).toMatch(/^Worker wrong-secret answered 401/);
    expect(worker.recommendations[0]).toMatchObject({ severity: 'CRITICAL', workerName: NAME, kind: 'SIGNATURE_REFUSED' });
    expect(worker.recommendations[0].text).toContain('`worker-health workers secret wrong-secret --wrangler-put`');
    expect(worker.recommendations[0].text).toContain('`worker-health workers secret wrong-secret --dev-vars .dev.vars`');
    const said = [worker.aiWorkerAnalysis, ...worker.aiWorkerRecommendations].join('\n');
    expect(said).not.toMatch(/database|external API|service binding|deployed/);
    // A run of this one worker is not compared with the fleet's runs.
    expect(run.aiAnalysis).not.toMatch(/same 3 workers/);
    expect(run.aiAnalysis).toContain('There are no earlier checks of this worker to compare with.');
  });
});
