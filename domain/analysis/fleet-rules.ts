/**
 * The rules for a whole run. They take the workers' findings as computed for the workers' own
 * analyses (worker-rules.ts) and add what only the fleet shows: the headline, the worst workers,
 * like-for-like comparisons, and causes shared by several workers.
 *
 * Comparisons are like for like: against earlier runs of exactly the same set of workers when
 * there are any, else worker by worker against each one's own previous check; never against the
 * score of a run that checked other workers. Each comparison says what it compares.
 */
import { PASSING_SCORE, roundScore } from '../scoring';
import { byName, band, list, plural, score } from './format';
import { capped, rankBySeverity } from './ranking';
import type { Analysis, Recommendation, RunAnalysisInput, WorkerFindings } from './types';
import { connectivityFix, connectivityLabel } from './worker-rules';
import type { ConnectivityKind } from '../failure-causes';

/** The run analysis names at most this many workers and gives at most this many recommendations. */
export const MAX_LISTED_WORKERS = 10;
export const MAX_RUN_RECOMMENDATIONS = 10;
/** A like-for-like fall of the score at least this large gets a recommendation. */
export const TREND_DROP_ALERT = 0.05;
/** Changes smaller than this count as stable. */
export const TREND_STABLE_WITHIN = 0.01;
/** At most this many workers are named as having dropped since their previous check. */
export const MAX_LISTED_DROPS = 5;

const FINAL = new Set(['completed', 'failed', 'timeout']);

function headline(input: RunAnalysisInput): string[] {
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
      sentences.push(unfinished.length > 0 ? `The run is still in progress; waiting for ${list(unfinished)}.` : 'The run is still in progress.');
      break;
    case 'timeout':
      sentences.push(timedOut.length > 0 ? `The run hit its timeout; ${list(timedOut)} did not report.` : 'The run hit its timeout.');
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

function worstFirst(findings: readonly WorkerFindings[]): WorkerFindings[] {
  return [...findings].sort((a, b) => a.input.score - b.input.score || byName(a.input.workerName, b.input.workerName));
}

function changeSentence(delta: number, last: number, what: string): string {
  return Math.abs(delta) < TREND_STABLE_WITHIN
    ? `The score is stable against ${what} (${score(last)}).`
    : `The score is ${delta < 0 ? 'down' : 'up'} ${score(Math.abs(delta))} from ${score(last)} in ${what}.`;
}

/** Like-for-like comparison sentences, and a recommendation when the score fell. */
function comparison(input: RunAnalysisInput, ordered: readonly WorkerFindings[]): { sentences: string[]; recommendation?: Recommendation } {
  const sentences: string[] = [];
  const n = input.workers.length;
  const sameSet = input.comparison.sameWorkerSetScores;
  const setName = n === 1 ? `the same worker (${input.workers[0]!.workerName})` : `the same ${n} workers`;
  let fell: { delta: number; from: number; what: string } | null = null;

  const last = sameSet[0];
  if (last !== undefined) {
    const delta = roundScore(input.score - last);
    sentences.push(changeSentence(delta, last, `the previous run of ${setName}`));
    if (sameSet.length >= 2) {
      const mean = sameSet.reduce((sum, value) => sum + value, 0) / sameSet.length;
      sentences.push(`The mean of the previous ${sameSet.length} runs of ${setName} is ${score(mean)}.`);
      let falls = 0;
      let current = input.score;
      for (const earlier of sameSet) {
        if (current < earlier) {
          falls += 1;
          current = earlier;
        } else break;
      }
      if (falls >= 2) sentences.push(`It has fallen ${falls} runs in a row.`);
    }
    if (delta <= -TREND_DROP_ALERT) fell = { delta, from: last, what: `the previous run of ${setName}` };
  } else {
    const withPrevious = input.workers.filter((w) => (w.history ?? []).length > 0);
    if (withPrevious.length === 0) {
      sentences.push(n === 0 ? 'There is nothing to compare.' : `There are no earlier checks of ${n === 1 ? 'this worker' : 'these workers'} to compare with.`);
    } else {
      const before = roundScore(withPrevious.reduce((sum, w) => sum + w.history!.at(-1)!.score, 0) / withPrevious.length);
      const now = roundScore(withPrevious.reduce((sum, w) => sum + w.score, 0) / withPrevious.length);
      const delta = roundScore(now - before);
      const who = withPrevious.length === n ? (n === 1 ? 'the worker' : `all ${n} workers`) : `the ${withPrevious.length} of ${n} workers that have one`;
      sentences.push(
        `No earlier run checked exactly ${n === 1 ? 'this worker' : `these ${n} workers`}, so each is compared with its own previous check: the mean score of ${who} is ${score(now)} now against ${score(before)} then (${Math.abs(delta) < TREND_STABLE_WITHIN ? 'stable' : `${delta < 0 ? 'down' : 'up'} ${score(Math.abs(delta))}`}).`,
      );
      if (delta <= -TREND_DROP_ALERT) fell = { delta, from: before, what: `the same workers' previous checks` };
    }
  }

  // Whatever the run compares with, the workers that fell most since their own previous check.
  const drops = ordered
    .flatMap((f) => {
      const previous = f.input.history?.at(-1);
      if (!previous) return [];
      const delta = roundScore(f.input.score - previous.score);
      return delta <= -TREND_DROP_ALERT ? [{ name: f.input.workerName, from: previous.score, to: f.input.score, delta }] : [];
    })
    .sort((a, b) => a.delta - b.delta || byName(a.name, b.name));
  if (drops.length > 0) {
    const shown = drops.slice(0, MAX_LISTED_DROPS).map((d) => `${d.name} ${score(d.from)} → ${score(d.to)}`);
    const more = drops.length - shown.length;
    sentences.push(`Down since their previous check: ${shown.join(', ')}${more > 0 ? ` and ${plural(more, 'more worker')}` : ''}.`);
  }

  if (!fell) return { sentences };
  return {
    sentences,
    recommendation: {
      severity: 'medium',
      workerName: null,
      kind: 'fleet-trend',
      text: `The score fell ${score(-fell.delta)} against ${fell.what} (${score(fell.from)} to ${score(input.score)}): compare what changed in between (deploys, configuration, upstream services)${drops.length > 0 ? `, starting with ${list(drops.slice(0, 3).map((d) => d.name))}` : ''}.`,
    },
  };
}

interface Ranked extends Recommendation {
  workerScore: number;
}

/** The rule-based analysis of a whole run, from its workers' findings. Pure and synchronous. */
export function analyseRunFromFindings(input: RunAnalysisInput, findings: readonly WorkerFindings[]): Analysis {
  const sentences = headline(input);
  const ordered = worstFirst(findings);

  if (ordered.length > 0) {
    const shown = ordered.slice(0, MAX_LISTED_WORKERS).map(({ input: worker, tags }) => {
      const detail = tags.length > 0 ? `${worker.healthStatus}: ${tags.join(', ')}` : worker.healthStatus;
      return `${worker.workerName} ${score(worker.score)} (${detail})`;
    });
    const more = ordered.length - shown.length;
    sentences.push(`Worst first: ${shown.join('; ')}${more > 0 ? `; and ${plural(more, 'more worker')}` : ''}.`);
  }

  const compared = comparison(input, ordered);
  sentences.push(...compared.sentences);

  const grouped = new Set<Recommendation>();
  const fleetWide: Ranked[] = [];

  // The same connectivity failing on several workers points to one shared cause: one
  // recommendation for all of them instead of one each.
  for (const kind of ['orchestrator', 'database', 'externalApi'] as const satisfies readonly ConnectivityKind[]) {
    const affected = ordered.filter((f) => f.connectivity.has(kind));
    if (affected.length < 2) continue;
    const names = affected.map((f) => f.input.workerName).sort(byName);
    const label = connectivityLabel(kind);
    sentences.push(`${plural(names.length, 'worker')} cannot reach ${label}: ${list(names)}.`);
    fleetWide.push({
      severity: 'high',
      workerName: null,
      kind: 'connectivity',
      workerScore: -1,
      text: `Restore connectivity to ${label} for ${list(names)}: the same check fails on ${names.length} workers, so look for a shared cause first (${connectivityFix(kind)}).`,
    });
    for (const f of affected) grouped.add(f.connectivity.get(kind)!);
  }

  // Several workers refusing their dispatch's signature at once: the signing key may have changed.
  const refused = ordered.filter((f) => f.causes.some((c) => c.kind === 'signature-refused')).map((f) => f.input.workerName).sort(byName);
  if (refused.length >= 2) {
    sentences.push(`${plural(refused.length, 'worker')} refused the orchestrator's signature: ${list(refused)}.`);
    fleetWide.push({
      severity: 'critical',
      workerName: null,
      kind: 'signature-refused',
      workerScore: -1,
      text: `${refused.length} workers refused their dispatch's signature: if the orchestrator's HEALTH_CHECK_SIGNING_KEY was changed, every worker needs its secret again (\`worker-health workers secret <name> --wrangler-put\` for each).`,
    });
  }

  if (compared.recommendation) fleetWide.push({ ...compared.recommendation, workerScore: -1 });

  const perWorker: Ranked[] = ordered.flatMap((f) =>
    f.recommendations.filter((r) => !grouped.has(r)).map((r) => ({ ...r, workerScore: f.input.score })),
  );
  const ranked = rankBySeverity([...fleetWide, ...perWorker], (a, b) => a.workerScore - b.workerScore || byName(a.workerName ?? '', b.workerName ?? ''));
  const recommendations = capped(
    ranked.map(({ workerScore: _, ...r }) => r),
    MAX_RUN_RECOMMENDATIONS,
    (count) => `See the workers' own analyses for ${plural(count, 'further recommendation')}.`,
  );
  if (recommendations.length === 0) {
    recommendations.push({
      severity: 'info',
      workerName: null,
      kind: 'no-action',
      text:
        input.workers.length > 0 && input.workers.every((w) => FINAL.has(w.status))
          ? 'No action needed; keep the fleet under regular health checks.'
          : 'Wait for the run to finish for a complete picture.',
    });
  }
  return { analysis: sentences.join(' '), recommendations };
}
