/**
 * The embedded analyser: rules over the input, no network. It is the default when Workers AI is
 * not bound and the fallback whenever Workers AI fails.
 *
 * It writes in the shape of the seed's "Example AI Output": what the score means, what failed and
 * why, what got slower than its baseline, connectivity problems, then recommendations ranked by
 * priority. The output is a pure function of the input (same input, same text), and every number
 * it states is either in the input, computed from it (a percentage, a difference, a mean) or one of
 * this project's documented constants (the score bands, the response-time target).
 */
import { isOpenWorkerCheck } from '../../db/worker-health-checks';
import { healthStatusRange } from '../health-status';
import { PASSING_SCORE, RESPONSE_TIME_TARGET_MS, roundScore } from '../scoring';
import type { Analyser, Analysis, RunAnalysisInput, TestResultInput, TestSuiteInput, WorkerAnalysisInput } from './types';

/** A test or response time this much slower than its baseline (in percent) is a regression. */
export const REGRESSION_THRESHOLD_PERCENT = 25;
/** CPU usage (percent) from which a capacity hint is given. */
export const HIGH_CPU_PERCENT = 80;
/** A Worker isolate has 128 MB of memory; from this usage (MB) a capacity hint is given. */
export const WORKER_MEMORY_LIMIT_MB = 128;
export const HIGH_MEMORY_MB = 100;
/** The run analysis names at most this many workers and gives at most this many recommendations. */
export const MAX_LISTED_WORKERS = 10;
export const MAX_RUN_RECOMMENDATIONS = 10;
/** A worker's analysis gives at most this many recommendations. */
export const MAX_WORKER_RECOMMENDATIONS = 10;
/** A fall of the fleet score at least this large against the previous run gets a recommendation. */
export const TREND_DROP_ALERT = 0.05;
/** Changes smaller than this count as stable. */
export const TREND_STABLE_WITHIN = 0.01;

/** Priorities, most important first. Ties keep the order in which the rules found them. */
export const PRIORITY = {
  unreachable: 0,
  connectivity: 1,
  failingTest: 2,
  regression: 3,
  capacity: 4,
  warnings: 5,
} as const;
type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];

type Connectivity = 'orchestrator' | 'database' | 'externalApi';

interface Recommendation {
  priority: Priority;
  text: string;
  /** Set for connectivity failures, so the run analysis can group a shared cause. */
  connectivity?: Connectivity;
}

interface WorkerFindings {
  sentences: string[];
  recommendations: Recommendation[];
  /** Short issue tags for the run's worst-first list. */
  tags: string[];
}

const SUITES = [
  { key: 'unitTests', label: 'unit' },
  { key: 'performanceTests', label: 'performance' },
  { key: 'integrationTests', label: 'integration' },
] as const;

const CONNECTIVITY: readonly {
  key: 'orchestratorConnectivity' | 'databaseConnectivity' | 'externalApiConnectivity';
  kind: Connectivity;
  label: string;
  fix: string;
}[] = [
  {
    key: 'orchestratorConnectivity',
    kind: 'orchestrator',
    label: 'the orchestrator',
    fix: 'check the orchestrator service binding or URL and the result-signing secret',
  },
  {
    key: 'databaseConnectivity',
    kind: 'database',
    label: 'the database',
    fix: 'check the database binding, the credentials and the database’s status',
  },
  {
    key: 'externalApiConnectivity',
    kind: 'externalApi',
    label: 'the external API',
    fix: 'check the API’s status, the credentials and the rate limits',
  },
];

// ---------------------------------------------------------------------------------------------
// Formatting

function score(value: number): string {
  return String(roundScore(value));
}

function ms(value: number): string {
  return `${Math.round(value * 100) / 100} ms`;
}

/** The change against a baseline in percent: `exact` decides, `shown` (rounded) is what the text says. */
function percentChange(current: number, baseline: number): { exact: number; shown: number } {
  const exact = ((current - baseline) / baseline) * 100;
  return { exact, shown: Math.round(exact) };
}

function quote(text: string): string {
  return `"${text}"`;
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function list(items: readonly string[], conjunction = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function workerLabel(input: WorkerAnalysisInput): string {
  return input.workerType && input.workerType !== input.workerName
    ? `The ${input.workerName} worker (${input.workerType})`
    : `The ${input.workerName} worker`;
}

function band(status: WorkerAnalysisInput['healthStatus']): string {
  return `the ${status} band (${healthStatusRange(status)})`;
}

// ---------------------------------------------------------------------------------------------
// One worker

function failedTests(suite: TestSuiteInput): TestResultInput[] {
  return suite.results.filter((test) => test.status === 'failed');
}

function describeFailure(test: TestResultInput): string {
  return test.error ? `${quote(test.name)} failed (${oneLine(test.error)})` : `${quote(test.name)} failed`;
}

function suiteFindings(input: WorkerAnalysisInput, findings: WorkerFindings): void {
  const ran: string[] = [];
  const notRun: string[] = [];
  for (const { key, label } of SUITES) {
    const suite = input[key];
    if (!(suite.total > 0)) {
      notRun.push(label);
      continue;
    }
    ran.push(label);
    const failed = failedTests(suite);
    const skipped = suite.results.filter((test) => test.status === 'skipped').length;
    const passed = Math.min(Math.max(suite.passed, 0), suite.total);
    const failing = Math.max(failed.length, suite.total - passed - skipped);
    const skippedNote = skipped > 0 ? `, ${skipped} skipped` : '';
    if (failing <= 0) {
      findings.sentences.push(`${capitalise(label)} tests are passing (${passed}/${suite.total}${skippedNote}).`);
      continue;
    }
    const named = failed.length > 0 ? `; ${list(failed.map(describeFailure))}` : '';
    findings.sentences.push(`${capitalise(label)} tests: ${passed}/${suite.total} passed${skippedNote}${named}.`);
    findings.tags.push(`${plural(failing, `failing ${label} test`)}`);
    for (const test of failed) {
      findings.recommendations.push({
        priority: PRIORITY.failingTest,
        text: `Fix the failing ${label} test ${quote(test.name)} on ${input.workerName}${test.error ? `: ${oneLine(test.error)}` : ''}.`,
      });
    }
    const unnamed = failing - failed.length;
    if (unnamed > 0) {
      findings.recommendations.push({
        priority: PRIORITY.failingTest,
        text: `Investigate ${failed.length > 0 ? 'the other' : 'the'} ${plural(unnamed, `failing ${label} test`)} on ${input.workerName}; no per-test result was reported for ${unnamed === 1 ? 'it' : 'them'}, so start from its logs.`,
      });
    }
  }
  if (ran.length > 0 && notRun.length > 0) {
    findings.sentences.push(`No ${list(notRun, 'or')} tests ran.`);
  }
}

function responseTimeFindings(input: WorkerAnalysisInput, findings: WorkerFindings): void {
  const now = input.responseTimeMs;
  if (now === null || now === undefined) return;
  const base = input.baseline?.responseTimeMs;
  let regressed = false;
  if (base !== null && base !== undefined && base > 0) {
    const { exact, shown: change } = percentChange(now, base);
    if (exact >= REGRESSION_THRESHOLD_PERCENT) {
      regressed = true;
      findings.sentences.push(`Response time is up ${change}% against its baseline of ${ms(base)} (${ms(now)} now).`);
      findings.tags.push(`response time up ${change}%`);
      findings.recommendations.push({
        priority: PRIORITY.regression,
        text: `Investigate ${input.workerName}'s response time: ${ms(now)}, up ${change}% against its baseline of ${ms(base)}; compare with its latest deploy and the latency of the services it calls.`,
      });
    } else if (exact <= -REGRESSION_THRESHOLD_PERCENT) {
      findings.sentences.push(`Response time is down ${-change}% against its baseline of ${ms(base)} (${ms(now)} now).`);
    } else {
      findings.sentences.push(`Response time is ${ms(now)}, in line with its baseline of ${ms(base)}.`);
    }
  } else {
    findings.sentences.push(
      now > RESPONSE_TIME_TARGET_MS
        ? `Response time is ${ms(now)}, above the ${ms(RESPONSE_TIME_TARGET_MS)} target.`
        : `Response time is ${ms(now)}, within the ${ms(RESPONSE_TIME_TARGET_MS)} target.`,
    );
  }
  if (!regressed && now > RESPONSE_TIME_TARGET_MS) {
    findings.recommendations.push({
      priority: PRIORITY.capacity,
      text: `Bring ${input.workerName}'s response time of ${ms(now)} down towards the ${ms(RESPONSE_TIME_TARGET_MS)} target: cache, batch or parallelise its upstream calls.`,
    });
  }
}

function performanceRegressionFindings(input: WorkerAnalysisInput, findings: WorkerFindings): void {
  const baselines = input.baseline?.testDurationsMs;
  if (!baselines) return;
  for (const test of input.performanceTests.results) {
    if (test.status === 'skipped') continue;
    const base = Object.hasOwn(baselines, test.name) ? baselines[test.name] : undefined;
    if (base === undefined || !(base > 0)) continue;
    const { exact, shown: change } = percentChange(test.durationMs, base);
    if (exact < REGRESSION_THRESHOLD_PERCENT) continue;
    findings.sentences.push(
      `Performance test ${quote(test.name)} took ${ms(test.durationMs)}, ${change}% slower than its baseline of ${ms(base)}.`,
    );
    findings.tags.push(`${quote(test.name)} ${change}% slower`);
    findings.recommendations.push({
      priority: PRIORITY.regression,
      text: `Investigate the slowdown of performance test ${quote(test.name)} on ${input.workerName}: ${ms(test.durationMs)} against a baseline of ${ms(base)} (+${change}%).`,
    });
  }
}

function connectivityFindings(input: WorkerAnalysisInput, findings: WorkerFindings): void {
  const ok: string[] = [];
  const down: typeof CONNECTIVITY[number][] = [];
  for (const check of CONNECTIVITY) {
    const value = input[check.key];
    if (value === true) ok.push(check.label);
    else if (value === false) down.push(check);
  }
  if (down.length > 0) {
    findings.sentences.push(
      `Connectivity: it cannot reach ${list(down.map((check) => check.label))}${ok.length > 0 ? ` (${list(ok)} reachable)` : ''}.`,
    );
    for (const check of down) {
      findings.tags.push(`cannot reach ${check.label}`);
      findings.recommendations.push({
        priority: PRIORITY.connectivity,
        connectivity: check.kind,
        text: `Restore ${input.workerName}'s connectivity to ${check.label}: ${check.fix}.`,
      });
    }
  } else if (ok.length > 0) {
    findings.sentences.push(`It reaches ${list(ok)}.`);
  }
}

function capacityFindings(input: WorkerAnalysisInput, findings: WorkerFindings): void {
  const cpu = input.cpuUsagePercent;
  if (cpu !== null && cpu !== undefined && cpu >= HIGH_CPU_PERCENT) {
    findings.sentences.push(`CPU usage is ${Math.round(cpu * 100) / 100}%.`);
    findings.recommendations.push({
      priority: PRIORITY.capacity,
      text: `Reduce ${input.workerName}'s CPU usage (${Math.round(cpu * 100) / 100}%): profile the hot paths, or move heavy work to a queue or a Durable Object.`,
    });
  }
  const memory = input.memoryUsageMb;
  if (memory !== null && memory !== undefined && memory >= HIGH_MEMORY_MB) {
    findings.sentences.push(
      `Memory usage is ${Math.round(memory * 100) / 100} MB of the ${WORKER_MEMORY_LIMIT_MB} MB a Worker isolate has.`,
    );
    findings.recommendations.push({
      priority: PRIORITY.capacity,
      text: `Investigate ${input.workerName}'s memory usage (${Math.round(memory * 100) / 100} MB of ${WORKER_MEMORY_LIMIT_MB} MB): look for data held across requests and stream large bodies instead of buffering them.`,
    });
  }
}

function warningFindings(input: WorkerAnalysisInput, findings: WorkerFindings): void {
  if (input.warnings.length === 0) return;
  const warnings = input.warnings.map((warning) => oneLine(warning, 200));
  findings.sentences.push(`${input.warnings.length === 1 ? 'Warning' : 'Warnings'}: ${warnings.join('; ')}.`);
  findings.recommendations.push({
    priority: PRIORITY.warnings,
    text: `Review the ${input.warnings.length === 1 ? 'warning' : plural(input.warnings.length, 'warning')} ${input.workerName} reported: ${warnings.join('; ')}.`,
  });
}

function workerFindings(input: WorkerAnalysisInput): WorkerFindings {
  const findings: WorkerFindings = { sentences: [], recommendations: [], tags: [] };
  const who = workerLabel(input);
  const error = input.errorMessage ? oneLine(input.errorMessage) : null;

  if (input.status === 'failed') {
    findings.sentences.push(
      `${who} failed its health check and scores ${score(input.score)}, in ${band(input.healthStatus)}: ${error ?? 'it reported no error message'}.`,
    );
    findings.tags.push(error ? `failed: ${error}` : 'failed');
    findings.recommendations.push({
      priority: PRIORITY.unreachable,
      text: `Restore ${input.workerName}${error ? ` (${error})` : ''}: check that it is deployed and that its service binding or URL in the worker registry is right, then look at its logs.`,
    });
  } else if (input.status === 'timeout') {
    findings.sentences.push(
      `${who} did not report before the run's timeout and scores ${score(input.score)}, in ${band(input.healthStatus)}${error ? `: ${error}` : ''}.`,
    );
    findings.tags.push('timed out');
    findings.recommendations.push({
      priority: PRIORITY.unreachable,
      text: `Find out why ${input.workerName} did not report in time: check its logs for this run, whether its callback reaches the orchestrator, and whether the run's timeout leaves room for its tests.`,
    });
  } else if (isOpenWorkerCheck(input.status)) {
    findings.sentences.push(`${who} has not finished its health check yet (${input.status}).`);
    return findings;
  } else {
    findings.sentences.push(
      `${who} is ${input.healthStatus} with a health score of ${score(input.score)}, in ${band(input.healthStatus)}.`,
    );
    if (error) findings.sentences.push(`It reported an error: ${error}.`);
  }

  suiteFindings(input, findings);
  responseTimeFindings(input, findings);
  performanceRegressionFindings(input, findings);
  connectivityFindings(input, findings);
  capacityFindings(input, findings);
  warningFindings(input, findings);
  return findings;
}

/** At most `max` recommendations; the last place says how many more there are and where. */
function capped(recommendations: string[], max: number, more: (count: number) => string): string[] {
  if (recommendations.length <= max) return recommendations;
  return [...recommendations.slice(0, max - 1), more(recommendations.length - (max - 1))];
}

function ranked(recommendations: readonly Recommendation[]): Recommendation[] {
  return recommendations
    .map((recommendation, index) => ({ recommendation, index }))
    .sort((a, b) => a.recommendation.priority - b.recommendation.priority || a.index - b.index)
    .map(({ recommendation }) => recommendation);
}

/** The rule-based analysis of one worker's check. Pure and synchronous. */
export function analyseWorkerByRules(input: WorkerAnalysisInput): Analysis {
  const findings = workerFindings(input);
  const recommendations = capped(
    ranked(findings.recommendations).map((r) => r.text),
    MAX_WORKER_RECOMMENDATIONS,
    (count) => `See the analysis above for ${plural(count, 'further issue')} of lower or equal priority.`,
  );
  if (recommendations.length === 0) {
    recommendations.push(
      isOpenWorkerCheck(input.status)
        ? `Wait for ${input.workerName} to finish its health check.`
        : `No action needed for ${input.workerName}; keep it under regular health checks.`,
    );
  }
  return { analysis: findings.sentences.join(' '), recommendations };
}

// ---------------------------------------------------------------------------------------------
// The run

const FINAL = new Set(['completed', 'failed', 'timeout']);

function runHeadline(input: RunAnalysisInput): string[] {
  const sentences = [
    `The fleet is ${input.healthStatus} with an overall health score of ${score(input.score)}, in ${band(input.healthStatus)}.`,
  ];
  if (input.totalWorkers === 0) {
    sentences.push('The run checked no workers.');
  } else {
    sentences.push(
      `${input.completedWorkers} of ${input.totalWorkers} workers finished their check: ${input.passedWorkers} passed (score of at least ${PASSING_SCORE}) and ${input.failedWorkers} failed.`,
    );
  }
  const timedOut = input.workers.filter((w) => w.status === 'timeout').map((w) => w.workerName).sort();
  const unfinished = input.workers.filter((w) => !FINAL.has(w.status)).map((w) => w.workerName).sort();
  switch (input.status) {
    case 'running':
      if (unfinished.length > 0) sentences.push(`The run is still in progress; waiting for ${list(unfinished)}.`);
      else sentences.push('The run is still in progress.');
      break;
    case 'timeout':
      sentences.push(
        timedOut.length > 0
          ? `The run hit its timeout; ${list(timedOut)} did not report.`
          : 'The run hit its timeout.',
      );
      break;
    case 'failed':
      sentences.push('The run failed.');
      break;
    case 'cancelled':
      sentences.push('The run was cancelled.');
      break;
    case 'completed':
      break;
  }
  return sentences;
}

function worstFirst(workers: readonly WorkerAnalysisInput[]): WorkerAnalysisInput[] {
  return [...workers].sort(
    (a, b) => a.score - b.score || (a.workerName < b.workerName ? -1 : a.workerName > b.workerName ? 1 : 0),
  );
}

function trendSentences(input: RunAnalysisInput): { sentences: string[]; recommendation?: Recommendation } {
  const previous = input.previousScores;
  const last = previous[0];
  if (last === undefined) return { sentences: ['There are no earlier runs to compare with.'] };
  const delta = roundScore(input.score - last);
  const sentences: string[] = [];
  if (Math.abs(delta) < TREND_STABLE_WITHIN) {
    sentences.push(`The score is stable against the previous run (${score(last)}).`);
  } else {
    sentences.push(`The score is ${delta < 0 ? 'down' : 'up'} ${score(Math.abs(delta))} from ${score(last)} in the previous run.`);
  }
  if (previous.length >= 2) {
    const mean = previous.reduce((sum, value) => sum + value, 0) / previous.length;
    sentences.push(`The mean of the previous ${previous.length} runs is ${score(mean)}.`);
    // How many runs in a row the score has fallen, counting this one.
    let falls = 0;
    let current = input.score;
    for (const earlier of previous) {
      if (current < earlier) {
        falls += 1;
        current = earlier;
      } else break;
    }
    if (falls >= 2) sentences.push(`It has fallen ${falls} runs in a row.`);
  }
  if (delta <= -TREND_DROP_ALERT) {
    return {
      sentences,
      recommendation: {
        priority: PRIORITY.regression,
        text: `The fleet score fell ${score(-delta)} since the previous run (${score(last)} to ${score(input.score)}): compare what changed in between (deploys, configuration, upstream services).`,
      },
    };
  }
  return { sentences };
}

interface RankedRunRecommendation extends Recommendation {
  workerScore: number;
  workerName: string;
  index: number;
}

/** The rule-based analysis of a whole run. Pure and synchronous. */
export function analyseRunByRules(input: RunAnalysisInput): Analysis {
  const sentences = runHeadline(input);
  const ordered = worstFirst(input.workers);
  const perWorker = new Map(ordered.map((worker) => [worker, workerFindings(worker)]));

  if (ordered.length > 0) {
    const shown = ordered.slice(0, MAX_LISTED_WORKERS).map((worker) => {
      const tags = perWorker.get(worker)!.tags;
      const detail = tags.length > 0 ? `${worker.healthStatus}: ${tags.join(', ')}` : worker.healthStatus;
      return `${worker.workerName} ${score(worker.score)} (${detail})`;
    });
    const more = ordered.length - shown.length;
    sentences.push(`Worst first: ${shown.join('; ')}${more > 0 ? `; and ${plural(more, 'more worker')}` : ''}.`);
  }

  const trend = trendSentences(input);
  sentences.push(...trend.sentences);

  // Recommendations from every worker, plus fleet-wide ones.
  const all: RankedRunRecommendation[] = [];
  let index = 0;
  for (const worker of ordered) {
    for (const recommendation of perWorker.get(worker)!.recommendations) {
      all.push({ ...recommendation, workerScore: worker.score, workerName: worker.workerName, index: index++ });
    }
  }

  // The same connectivity failing on several workers points to one shared cause: one
  // recommendation for all of them, ranked before the per-worker ones.
  const fleetWide: RankedRunRecommendation[] = [];
  for (const check of CONNECTIVITY) {
    const affected = all.filter((r) => r.connectivity === check.kind);
    if (affected.length < 2) continue;
    const names = affected.map((r) => r.workerName).sort();
    sentences.push(`${plural(names.length, 'worker')} cannot reach ${check.label}: ${list(names)}.`);
    fleetWide.push({
      priority: PRIORITY.connectivity,
      text: `Restore connectivity to ${check.label} for ${list(names)}: the same check fails on ${names.length} workers, so look for a shared cause first (${check.fix}).`,
      workerScore: -1,
      workerName: '',
      index: -1,
    });
    for (const r of affected) all.splice(all.indexOf(r), 1);
  }
  if (trend.recommendation) {
    fleetWide.push({ ...trend.recommendation, workerScore: -1, workerName: '', index: -1 });
  }

  const sorted = [...fleetWide, ...all].sort(
    (a, b) =>
      a.priority - b.priority ||
      a.workerScore - b.workerScore ||
      (a.workerName < b.workerName ? -1 : a.workerName > b.workerName ? 1 : 0) ||
      a.index - b.index,
  );
  const recommendations = capped(
    sorted.map((r) => r.text),
    MAX_RUN_RECOMMENDATIONS,
    (count) => `See the workers' own analyses for ${plural(count, 'further recommendation')}.`,
  );
  if (recommendations.length === 0) {
    recommendations.push(
      input.workers.length > 0 && input.workers.every((w) => FINAL.has(w.status))
        ? 'No action needed; keep the fleet under regular health checks.'
        : 'Wait for the run to finish for a complete picture.',
    );
  }
  return { analysis: sentences.join(' '), recommendations };
}

/** The embedded analyser: rules only, no network, deterministic. */
export const ruleBasedAnalyser: Analyser = {
  analyseWorker: async (input) => analyseWorkerByRules(input),
  analyseRun: async (input) => analyseRunByRules(input),
};
