/**
 * The rules for one worker's check: its causes (domain/failure-causes.ts) turned into sentences
 * and recommendations, each cause with its own diagnosis and first recommendation. Nothing is
 * said about a check the worker does not have: connectivity only where configured (not null),
 * suites only where they ran, and a check that ended without a result has its outcome only.
 */
import { isOpenWorkerCheck } from '../../db/worker-health-checks';
import { compareWithBaseline, DEFAULT_REGRESSION_MARGIN_PERCENT, type BaselineComparison } from '../baselines';
import { classifyCheck, CONNECTIVITY_CHECKS, outcomeCause, type CheckCause, type ConnectivityKind, type FailedTest, type OutcomeCause, type SuiteKind } from '../failure-causes';
import { RESPONSE_TIME_TARGET_MS, roundScore } from '../scoring';
import { predictBandCrossing, r2, signed, trendOf, type ScorePoint } from '../trends';
import { band, capitalise, checksPhrase, list, ms, oneLine, plural, quote, score } from './format';
import type { Recommendation, RecommendationKind, Severity, WorkerAnalysisInput, WorkerFindings } from './types';

export interface WorkerRuleSettings {
  /** Slower (faster) than the baseline by more than this percentage is a regression (an improvement). */
  marginPercent: number;
}

export const DEFAULT_WORKER_RULE_SETTINGS: WorkerRuleSettings = { marginPercent: DEFAULT_REGRESSION_MARGIN_PERCENT };

/** The CLI commands that give a worker its signing secret (client/README.md). */
export function secretResetCommands(workerName: string): string {
  return `\`worker-health workers secret ${workerName} --wrangler-put\` (or \`worker-health workers secret ${workerName} --dev-vars .dev.vars\` locally)`;
}

const CONNECTIVITY: Readonly<Record<ConnectivityKind, { label: string; fix: string }>> = {
  orchestrator: { label: 'the orchestrator', fix: 'check its ORCHESTRATOR service binding or ORCHESTRATOR_URL and its HEALTH_CHECK_SECRET' },
  database: { label: 'the database', fix: 'check the database binding, the credentials and the database’s status' },
  externalApi: { label: 'the external API', fix: 'check the API’s status, the credentials and the rate limits' },
};

export function connectivityLabel(kind: ConnectivityKind): string {
  return CONNECTIVITY[kind].label;
}
export function connectivityFix(kind: ConnectivityKind): string {
  return CONNECTIVITY[kind].fix;
}

const SUITE_SEVERITY: Readonly<Record<SuiteKind, Severity>> = { unit: 'high', integration: 'high', performance: 'medium' };

function workerLabel(input: WorkerAnalysisInput): string {
  return input.workerType && input.workerType !== input.workerName
    ? `The ${input.workerName} worker (${input.workerType})`
    : `The ${input.workerName} worker`;
}

class Findings {
  readonly sentences: string[] = [];
  readonly recommendations: Recommendation[] = [];
  readonly tags: string[] = [];
  readonly connectivity = new Map<ConnectivityKind, Recommendation>();
  constructor(readonly workerName: string) {}
  say(sentence: string): void {
    this.sentences.push(sentence);
  }
  tag(tag: string): void {
    this.tags.push(tag);
  }
  recommend(severity: Severity, kind: RecommendationKind, text: string): Recommendation {
    const recommendation: Recommendation = { severity, workerName: this.workerName, text, kind };
    this.recommendations.push(recommendation);
    return recommendation;
  }
}

function httpDetail(httpStatus: number, detail: string | null): string {
  return `HTTP ${httpStatus}${detail ? `: ${oneLine(detail, 200)}` : ''}`;
}

/** A check that ended without a result: one diagnosis, one first recommendation. */
function outcomeFindings(input: WorkerAnalysisInput, cause: OutcomeCause, f: Findings): void {
  const who = workerLabel(input);
  const name = input.workerName;
  const scored = `scores ${score(input.score)}, in ${band(input.healthStatus)}`;
  switch (cause.kind) {
    case 'signature-refused':
      f.say(
        `${who} refused the orchestrator's signed dispatch (${httpDetail(cause.httpStatus, cause.detail)}) and ${scored}: the HEALTH_CHECK_SECRET it verifies with is not the secret the orchestrator signs ${name}'s dispatches with.`,
      );
      f.tag(`dispatch refused (HTTP ${cause.httpStatus}): wrong HEALTH_CHECK_SECRET`);
      f.recommend(
        'critical',
        cause.kind,
        `Reset ${name}'s signing secret: run ${secretResetCommands(name)}, then redeploy or restart ${name} so its HEALTH_CHECK_SECRET matches the one the orchestrator signs with.`,
      );
      return;
    case 'secret-missing':
      f.say(`${who} has no usable HEALTH_CHECK_SECRET (${httpDetail(cause.httpStatus, cause.detail)}) and ${scored}.`);
      f.tag('no HEALTH_CHECK_SECRET');
      f.recommend('critical', cause.kind, `Give ${name} its signing secret: run ${secretResetCommands(name)}, then redeploy or restart ${name}.`);
      return;
    case 'wrong-worker':
      f.say(`The dispatch meant for ${name} reached another worker (${httpDetail(cause.httpStatus, cause.detail)}); ${name} ${scored}.`);
      f.tag('registry reaches another worker');
      f.recommend(
        'critical',
        cause.kind,
        `Point ${name}'s registry entry at ${name} itself: its service binding or URL reaches another worker (\`worker-health workers update ${name} --binding <BINDING>\` or \`--worker-url <URL>\`).`,
      );
      return;
    case 'unreachable':
      f.say(`${who} did not answer its dispatch${cause.detail ? ` (${oneLine(cause.detail, 200)})` : ''} and ${scored}.`);
      f.tag('unreachable');
      f.recommend(
        'critical',
        cause.kind,
        `Restore ${name}: its dispatch got no answer${cause.detail ? ` (${oneLine(cause.detail, 200)})` : ''}. Check that it is deployed and that its service binding or URL in the registry is right (\`worker-health workers list\`), then look at its logs.`,
      );
      return;
    case 'error-status': {
      f.say(`${who} answered its dispatch with ${httpDetail(cause.httpStatus, cause.detail)} instead of 202 and ${scored}.`);
      f.tag(`answered HTTP ${cause.httpStatus}`);
      const advice =
        cause.httpStatus === 404 || cause.httpStatus === 405
          ? `it does not serve POST /health-check/execute: check that its registry entry points at the right Worker and that the Worker routes that path to the SDK's handler`
          : cause.httpStatus >= 500
            ? `look at its logs for the error it threw on POST /health-check/execute`
            : `read the answer above: the worker refused the dispatch; check that it runs a current @worker-health/sdk`;
      f.recommend('critical', cause.kind, `Fix ${name}'s answer to its dispatch (HTTP ${cause.httpStatus}): ${advice}.`);
      return;
    }
    case 'timeout':
      f.say(`${who} did not report before the run's deadline and ${scored}${cause.detail ? `: ${oneLine(cause.detail)}` : ''}.`);
      f.tag('timed out');
      f.recommend(
        'critical',
        cause.kind,
        `Find out why ${name} did not report in time: check its logs for this run, whether its callback reaches the orchestrator (its ORCHESTRATOR binding or ORCHESTRATOR_URL), and whether the run's timeout leaves room for its tests.`,
      );
      return;
    case 'cancelled':
      f.say(`The run was cancelled before ${name} reported, so it has no result; that says nothing about ${name} itself.`);
      f.tag('cancelled');
      f.recommend('info', cause.kind, `Nothing to fix on ${name}: the run was cancelled before it reported; run a new check to judge it.`);
      return;
    case 'not-dispatched':
      f.say(`The run could not be started, so ${name} was never dispatched; that says nothing about ${name} itself.`);
      f.tag('not dispatched');
      f.recommend('info', cause.kind, `Nothing to fix on ${name}: the run could not be started; run a new check to judge it.`);
      return;
    case 'failed':
      f.say(`${who} failed its health check and ${scored}: ${cause.detail ? oneLine(cause.detail) : 'it reported no error message'}.`);
      f.tag(cause.detail ? `failed: ${oneLine(cause.detail, 120)}` : 'failed');
      f.recommend('critical', cause.kind, `Restore ${name}${cause.detail ? ` (${oneLine(cause.detail)})` : ''}: look at its logs for this run.`);
      return;
  }
}

function comparisonPhrase(c: BaselineComparison): string {
  const base = `its baseline of ${ms(c.baselineMs)} (median of ${checksPhrase(c.checks)})`;
  if (c.verdict === 'slower') return `${c.changePercent}% slower than ${base}`;
  if (c.verdict === 'faster') return `${-c.changePercent}% faster than ${base}`;
  return `in line with ${base}, ${c.changePercent >= 0 ? '+' : '−'}${Math.abs(c.changePercent)}%`;
}

function describeFailedTest(test: FailedTest, comparison: BaselineComparison | undefined): string {
  const error = test.error ? ` (${oneLine(test.error)})` : '';
  const against = comparison ? `; it took ${ms(test.durationMs)}, ${comparisonPhrase(comparison)}` : '';
  return `${quote(test.name)} failed${error}${against}`;
}

function failingTestFindings(input: WorkerAnalysisInput, cause: Extract<CheckCause, { kind: 'failing-tests' }>, comparisons: BaselineComparison[], f: Findings): void {
  const { suite, failed, failing, passed, total, skipped } = cause;
  const byTest = new Map(comparisons.filter((c) => c.subject === 'performance-test').map((c) => [c.testName!, c]));
  const skippedNote = skipped > 0 ? `, ${skipped} skipped` : '';
  const named = failed.length > 0 ? `; ${list(failed.map((test) => describeFailedTest(test, suite === 'performance' ? byTest.get(test.name) : undefined)))}` : '';
  f.say(`${capitalise(suite)} tests: ${passed}/${total} passed${skippedNote}${named}.`);
  f.tag(plural(failing, `failing ${suite} test`));
  const severity = SUITE_SEVERITY[suite];
  for (const test of failed) {
    const error = test.error ? `: ${oneLine(test.error)}` : '';
    if (suite === 'performance') {
      const c = byTest.get(test.name);
      const against = c ? ` It took ${ms(test.durationMs)}, ${comparisonPhrase(c)}${c.verdict === 'slower' ? ', so look at what changed since' : c.verdict === 'steady' ? ', so it has been this slow all along: the code path needs work, or the budget is wrong' : ''}.` : '';
      f.recommend(severity, 'failing-tests', `Bring the performance test ${quote(test.name)} on ${input.workerName} within its budget${error}.${against}`);
    } else if (suite === 'integration') {
      f.recommend(severity, 'failing-tests', `Fix the failing integration test ${quote(test.name)} on ${input.workerName}${error}; it exercises what ${input.workerName} depends on, so check that service too.`);
    } else {
      f.recommend(severity, 'failing-tests', `Fix the failing unit test ${quote(test.name)} on ${input.workerName}${error}.`);
    }
  }
  const unnamed = failing - failed.length;
  if (unnamed > 0) {
    f.recommend(
      severity,
      'failing-tests',
      `Investigate ${failed.length > 0 ? 'the other' : 'the'} ${plural(unnamed, `failing ${suite} test`)} on ${input.workerName}; no per-test result was reported for ${unnamed === 1 ? 'it' : 'them'}, so start from its logs.`,
    );
  }
}

function passingSuiteSentences(input: WorkerAnalysisInput, failingSuites: Set<SuiteKind>, f: Findings): void {
  for (const [key, suite] of [['unitTests', 'unit'], ['performanceTests', 'performance'], ['integrationTests', 'integration']] as const) {
    const tests = input[key];
    if (!(tests.total > 0) || failingSuites.has(suite)) continue;
    const skipped = tests.results.filter((test) => test.status === 'skipped').length;
    const passed = Math.min(Math.max(tests.passed, 0), tests.total);
    f.say(`${capitalise(suite)} tests are passing (${passed}/${tests.total}${skipped > 0 ? `, ${skipped} skipped` : ''}).`);
  }
}

function responseTimeFindings(input: WorkerAnalysisInput, comparison: BaselineComparison | undefined, f: Findings): void {
  const now = input.responseTimeMs;
  if (now === null || now === undefined) return;
  if (comparison) {
    if (comparison.verdict === 'slower') {
      f.say(`Response time is up ${comparison.changePercent}% against its baseline of ${ms(comparison.baselineMs)} (${ms(now)} now; median of ${checksPhrase(comparison.checks)}).`);
      f.tag(`response time up ${comparison.changePercent}%`);
      f.recommend(
        'medium',
        'slow',
        `Investigate ${input.workerName}'s response time: ${ms(now)}, up ${comparison.changePercent}% against its baseline of ${ms(comparison.baselineMs)}; compare with its latest deploy and the latency of the services it calls.`,
      );
      return;
    }
    if (comparison.verdict === 'faster') {
      f.say(`Response time improved: ${ms(now)}, down ${-comparison.changePercent}% against its baseline of ${ms(comparison.baselineMs)}.`);
    } else {
      f.say(`Response time is ${ms(now)}, in line with its baseline of ${ms(comparison.baselineMs)}.`);
    }
  } else {
    f.say(
      now > RESPONSE_TIME_TARGET_MS
        ? `Response time is ${ms(now)}, above the ${ms(RESPONSE_TIME_TARGET_MS)} target.`
        : `Response time is ${ms(now)}, within the ${ms(RESPONSE_TIME_TARGET_MS)} target.`,
    );
  }
  if (now > RESPONSE_TIME_TARGET_MS) {
    f.recommend(
      'low',
      'response-time',
      `Bring ${input.workerName}'s response time of ${ms(now)} down towards the ${ms(RESPONSE_TIME_TARGET_MS)} target: cache, batch or parallelise its upstream calls.`,
    );
  }
}

/** Performance tests that passed but moved against their baseline (failing ones are described with their suite). */
function performanceComparisonFindings(input: WorkerAnalysisInput, comparisons: BaselineComparison[], f: Findings): void {
  const failed = new Set(input.performanceTests.results.filter((test) => test.status === 'failed').map((test) => test.name));
  for (const c of comparisons) {
    if (c.subject !== 'performance-test' || c.verdict === 'steady' || failed.has(c.testName!)) continue;
    f.say(`Performance test ${quote(c.testName!)} took ${ms(c.currentMs)}, ${comparisonPhrase(c)}.`);
    if (c.verdict === 'slower') {
      f.tag(`${quote(c.testName!)} ${c.changePercent}% slower`);
      f.recommend(
        'medium',
        'slow',
        `Investigate the slowdown of performance test ${quote(c.testName!)} on ${input.workerName}: ${ms(c.currentMs)} against a baseline of ${ms(c.baselineMs)} (+${c.changePercent}%).`,
      );
    }
  }
}

function connectivityFindings(input: WorkerAnalysisInput, f: Findings): void {
  const ok: string[] = [];
  const down: ConnectivityKind[] = [];
  for (const { key, kind } of CONNECTIVITY_CHECKS) {
    if (input[key] === true) ok.push(connectivityLabel(kind));
    else if (input[key] === false) down.push(kind);
  }
  if (down.length > 0) {
    f.say(`Connectivity: it cannot reach ${list(down.map(connectivityLabel))}${ok.length > 0 ? ` (${list(ok)} reachable)` : ''}.`);
    for (const kind of down) {
      f.tag(`cannot reach ${connectivityLabel(kind)}`);
      f.connectivity.set(
        kind,
        f.recommend('high', 'connectivity', `Restore ${input.workerName}'s connectivity to ${connectivityLabel(kind)}: ${connectivityFix(kind)}.`),
      );
    }
  } else if (ok.length > 0) {
    f.say(`It reaches ${list(ok)}.`);
  }
}

function warningFindings(input: WorkerAnalysisInput, f: Findings): void {
  if (input.warnings.length === 0) return;
  const warnings = input.warnings.map((warning) => oneLine(warning, 200));
  f.say(`${input.warnings.length === 1 ? 'Warning' : 'Warnings'}: ${warnings.join('; ')}.`);
  f.recommend(
    'low',
    'warnings',
    `Review the ${input.warnings.length === 1 ? 'warning' : plural(input.warnings.length, 'warning')} ${input.workerName} reported: ${warnings.join('; ')}.`,
  );
}

/** The score against the previous check, and the trend and prediction over the history. */
function historyFindings(input: WorkerAnalysisInput, f: Findings): Pick<WorkerFindings, 'trend' | 'prediction'> {
  const history = input.history ?? [];
  const previous = history[history.length - 1];
  if (previous) {
    const delta = roundScore(input.score - previous.score);
    f.say(
      Math.abs(delta) < 0.01
        ? `Its score is steady against its previous check (${score(previous.score)}).`
        : `Its score is ${delta < 0 ? 'down' : 'up'} ${score(Math.abs(delta))} from ${score(previous.score)} in its previous check.`,
    );
  }
  if (!input.checkedAt || history.length === 0) return { trend: null, prediction: null };
  const points: ScorePoint[] = [...history, { at: input.checkedAt, score: input.score }];
  const trend = trendOf(points);
  if ((trend.direction === 'rising' || trend.direction === 'falling') && trend.fit && trend.change !== null) {
    f.say(
      `Its score is ${trend.direction} over its last ${points.length} checks: ${signed(trend.fit.slopePerDay)} a day, ${signed(trend.change)} over them (least squares, R² ${r2(trend.fit.rSquared)}).`,
    );
  } else if (trend.direction === 'flat') {
    f.say(`Its score has been flat over its last ${points.length} checks.`);
  }
  const { prediction } = predictBandCrossing(points);
  if (prediction) {
    f.say(prediction.explanation.replace(/^At the rate/, 'Prediction: at the rate'));
    f.tag(`heading for ${prediction.intoBand}`);
    f.recommend(
      prediction.confidence === 'high' ? 'medium' : 'low',
      'prediction',
      `Act on ${input.workerName}'s findings before around ${prediction.expectedAt.toISOString().slice(0, 10)}: at its current rate it falls into the ${prediction.intoBand} band then (confidence ${prediction.confidence}).`,
    );
  }
  return { trend, prediction };
}

/** The rules' findings for one worker's check: its causes, sentences, recommendations and tags. */
export function workerFindings(input: WorkerAnalysisInput, settings: WorkerRuleSettings = DEFAULT_WORKER_RULE_SETTINGS): WorkerFindings {
  const f = new Findings(input.workerName);
  const comparisons = input.status === 'completed' ? compareWithBaseline({ responseTimeMs: input.responseTimeMs, performanceTests: input.performanceTests.results }, input.baseline, settings.marginPercent) : [];
  const causes = classifyCheck(input, comparisons);
  const done = (extra: Pick<WorkerFindings, 'trend' | 'prediction'> = { trend: null, prediction: null }): WorkerFindings => ({
    input,
    causes,
    comparisons,
    ...extra,
    sentences: f.sentences,
    recommendations: f.recommendations,
    tags: f.tags,
    connectivity: f.connectivity,
  });

  if (isOpenWorkerCheck(input.status)) {
    f.say(`${workerLabel(input)} has not finished its health check yet (${input.status}).`);
    return done();
  }
  const outcome = outcomeCause(input.status, input.errorMessage);
  if (outcome) {
    outcomeFindings(input, outcome, f);
    // One that counts against the worker is part of its history: say where that stands.
    if (outcome.kind === 'cancelled' || outcome.kind === 'not-dispatched') return done();
    return done(historyFindings(input, f));
  }

  f.say(`${workerLabel(input)} is ${input.healthStatus} with a health score of ${score(input.score)}, in ${band(input.healthStatus)}.`);
  if (input.errorMessage) f.say(`It reported an error: ${oneLine(input.errorMessage)}.`);
  // Connectivity first: a dependency it cannot reach explains failing tests.
  connectivityFindings(input, f);
  passingSuiteSentences(input, new Set(causes.flatMap((c) => (c.kind === 'failing-tests' ? [c.suite] : []))), f);
  for (const cause of causes) {
    if (cause.kind === 'failing-tests') failingTestFindings(input, cause, comparisons, f);
  }
  responseTimeFindings(input, comparisons.find((c) => c.subject === 'response-time'), f);
  performanceComparisonFindings(input, comparisons, f);
  warningFindings(input, f);
  return done(historyFindings(input, f));
}
