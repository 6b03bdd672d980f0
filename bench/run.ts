/**
 * `npm run bench`: the orchestrator under `wrangler dev` (workerd) with a simulated fleet that
 * answers at once, and one markdown table of ratios, each against a baseline measured in the same
 * run, interleaved. BENCHMARKS.md says what each figure measures and how; this file does it.
 *
 *   npm run bench                          # everything: 200, 1,000 and 10,000 workers
 *   npm run bench -- --quick               # a few minutes: 50 and 200 workers, 100 subscribers
 *   npm run bench -- --sizes 200,1000      # other fleet sizes (the first one is also the history's)
 *   npm run bench -- --only 1,3,4          # some figures only
 *
 * Writes bench/results/latest.md (the table, the machine, the options) and .bench/results/latest.json
 * (every sample), and exits non-zero when a run does not complete with exactly the counts the fleet sent.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { ROOT } from '../scripts/dev-vars';
import { isBroken, SimFleet, type HeldCheck } from './lib/fleet';
import { gql, pool, sleep, typenameFloor } from './lib/graphql';
import { cancel, initiate, registerGroup, waitForEnd, workerName, type RunState } from './lib/runs';
import { BENCH_DIR, startBenchStack, type BenchStack } from './lib/stack';
import { interleavedRatios, median, quantile, summarise, type Summary } from './lib/stats';
import { allReceived, closeSubscribers, connectSubscribers, PingProbe, subscribeAll, unsubscribeAll, type Subscriber } from './lib/subscribers';

const program = new Command()
  .name('npm run bench --')
  .description('Fleet-scale benchmarks of the orchestrator in workerd; see BENCHMARKS.md.')
  .option('--sizes <list>', 'fleet sizes for the run-time figures, ascending; the first is also the history page\'s and the watched run\'s', '200,1000,10000')
  .option('--alternations <n>', 'baseline/subject alternations per figure (sizes over 2,000 workers get one: floor, run, floor; the watched run at most 2)', '3')
  .option('--subscribers <n>', 'subscribers of the fan-out figures', '1000')
  .option('--ingest <n>', 'pending checks per callback-ingestion measurement', '1000')
  .option('--history-runs <n>', 'runs on the history page', '20')
  .option('--only <list>', 'figures to measure, e.g. 1,3,4 (3 comes with 1)', '1,2,3,4,5,6')
  .option('--quick', 'a short pass: --sizes 50,200 --alternations 3 --subscribers 100 --ingest 200 --history-runs 5')
  .option('--out <dir>', 'where latest.md goes', 'bench/results')
  .parse();

const raw = program.opts<{ sizes: string; alternations: string; subscribers: string; ingest: string; historyRuns: string; only: string; quick?: boolean; out: string }>();
const explicit = (name: string) => program.getOptionValueSource(name) === 'cli';
const opts = {
  sizes: (raw.quick && !explicit('sizes') ? '50,200' : raw.sizes).split(',').map(Number).sort((a, b) => a - b),
  alternations: Number(raw.quick && !explicit('alternations') ? 3 : raw.alternations),
  subscribers: Number(raw.quick && !explicit('subscribers') ? 100 : raw.subscribers),
  ingest: Number(raw.quick && !explicit('ingest') ? 200 : raw.ingest),
  historyRuns: Number(raw.quick && !explicit('historyRuns') ? 5 : raw.historyRuns),
  only: new Set(raw.only.split(',').map((x) => x.trim())),
  out: path.resolve(ROOT, raw.out),
};
if (opts.sizes.some((size) => !Number.isInteger(size) || size < 1)) throw new Error(`--sizes must be whole numbers: ${raw.sizes}`);
if (opts.only.has('3')) opts.only.add('1');

const started = Date.now();
const log = (line: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
const x = (value: number) => `${value.toFixed(2)}×`;

// ---------------------------------------------------------------------------------------------
// The fleet: groups of workers, named bw-<group>-<n>, a run of size s picks the groups up to s.

const groups = opts.sizes.map((size, index) => ({ name: `g${size}`, count: size - (opts.sizes[index - 1] ?? 0) }));
const filtersFor = (size: number) => groups.slice(0, opts.sizes.indexOf(size) + 1).map((group) => group.name);
const historySize = opts.sizes[0]!;

/**
 * Every group after the first is written straight into D1 before wrangler dev starts: the very
 * row registerWorker writes (name, type, enabled, no binding, the URL, no dependencies; created_at
 * and updated_at from the columns' defaults), checked against an API-registered row below.
 */
function seedSql(fleet: SimFleet): string {
  const lines: string[] = [];
  for (const group of groups.slice(1)) {
    const start = opts.sizes[groups.indexOf(group) - 1]!;
    for (let i = 0; i < group.count; i += 500) {
      const values = [];
      for (let j = i; j < Math.min(group.count, i + 500); j++) {
        const name = workerName(group.name, start + j);
        values.push(`('${name}', '${group.name}', 1, NULL, '${fleet.urlFor(name)}', '[]')`);
      }
      lines.push(`INSERT INTO workers (name, type, enabled, binding, url, depends_on) VALUES\n${values.join(',\n')};`);
    }
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

interface Measured {
  runTimes: Record<number, { floors: number[]; floorConcurrency: number[]; subjects: number[]; statements: number[]; concurrency: { peak: number; mean: number }[]; failure?: string }>;
  ingest?: { floors: number[]; callbacks: number[]; concurrency: number; phases: { dispatch: number; callbacks: number; finalise: number }[] };
  history?: { sql: number[]; graphql: number[]; bytes: { sql: number; graphql: number }; same: string };
  fanout?: { one: number[]; distinct: number[]; oneP50: number[]; distinctP50: number[]; pings: number[]; idlePings: number[] };
  watched?: { unwatched: number[]; watched: number[]; delivered: number[]; undelivered: number[]; pings: number[] };
}

const measured: Measured = { runTimes: {} };
/** Runs that did not end exactly as the fleet sent them: in the table, and the exit code is 1. */
const failures: string[] = [];
const runLog: { size: number; uuid: string }[] = [];
let stack: BenchStack;
let fleet: SimFleet;
/** The callbacks' concurrency the next floor is measured at: the rounded mean of the last run's. */
let concurrency = 6;

async function d1Statements(): Promise<number> {
  const counts = (await (await fetch(`${stack.baseUrl}/__bench/d1`)).json()) as { statements: number; unwrapped: string[] };
  if (counts.unwrapped.length) {
    throw new Error(`index.ts exports ${counts.unwrapped.join(', ')}, which bench/instrumentation/entry.ts does not construct with the counting env: add a subclass there as for HealthCheckRun`);
  }
  return counts.statements;
}

/** The statement count once it has not moved for 500 ms (deferred work of a run, such as the alert queue, done). */
async function settledStatements(): Promise<number> {
  let last = await d1Statements();
  for (let stable = 0, waited = 0; stable < 5 && waited < 100; waited++) {
    await sleep(100);
    const now = await d1Statements();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

/** What a finished run must show: exactly what the fleet sent. Throws (the bench exits 1) otherwise. */
function checkExact(size: number, uuid: string, state: RunState): void {
  const tally = fleet.tally(uuid);
  const broken = tally.acceptedBroken;
  const problems: string[] = [];
  if (tally.errors.length) problems.push(`${tally.errors.length} callbacks refused, first: ${tally.errors[0]}`);
  if (tally.dispatches !== size) problems.push(`the fleet got ${tally.dispatches} dispatches for ${size} workers`);
  if (tally.accepted !== size) problems.push(`${tally.accepted} of ${size} results accepted`);
  if (state.status !== 'completed') problems.push(`status ${state.status}`);
  if (state.totalWorkers !== size) problems.push(`totalWorkers ${state.totalWorkers}`);
  if (state.completedWorkers !== size) problems.push(`completedWorkers ${state.completedWorkers}`);
  if (state.passedWorkers !== size - broken) problems.push(`passedWorkers ${state.passedWorkers}, the fleet sent ${size - broken} passing`);
  if (state.failedWorkers !== broken) problems.push(`failedWorkers ${state.failedWorkers}, the fleet sent ${broken} failing`);
  const rows = Object.values(state.rows).reduce((a, b) => a + b, 0);
  if (rows !== size || state.rows.completed !== size) problems.push(`worker rows ${JSON.stringify(state.rows)}`);
  if (problems.length) throw new Error(`Run ${uuid} of ${size} workers is not exact: ${problems.join('; ')}`);
}

/** One run of `size` workers with the fleet answering at once: ms from initiate to the run's end. */
async function timedRun(size: number, onStarted?: (uuid: string) => void): Promise<{ ms: number; uuid: string; statements: number }> {
  fleet.mode = 'auto';
  const before = await d1Statements();
  fleet.resetConcurrency();
  const t0 = performance.now();
  const { uuid, totalWorkers } = await initiate(stack.baseUrl, stack.adminKey, filtersFor(size));
  onStarted?.(uuid);
  if (totalWorkers !== size) throw new Error(`initiateHealthCheck picked ${totalWorkers} workers, expected ${size}`);
  const tally = fleet.tally(uuid);
  const logFrom = readFileSync(stack.logFile, 'utf8').length;
  const { state, endedAt } = await waitForEnd(stack.baseUrl, uuid, () => tally.accepted + tally.errors.length >= size, 120_000 + size * 100).catch(async (error: unknown) => {
    await cancel(stack.baseUrl, stack.adminKey, uuid);
    // What the orchestrator logged meanwhile, for the report: its own failure events.
    const failures = [...readFileSync(stack.logFile, 'utf8').slice(logFrom).matchAll(/\{"event":"[a-z_.]*failed"[^\n]{0,400}/g)].map((match) => match[0]);
    const fleetDone = tally.lastAnsweredAt ? `the fleet's ${tally.accepted} accepted callbacks were all answered ${ms((tally.lastAnsweredAt - t0) / 1000)} s after the initiate; ` : '';
    throw new Error(`${error instanceof Error ? error.message : String(error)} (${fleetDone}cancelled${failures.length ? `; the orchestrator logged ${failures.length} failure${failures.length === 1 ? '' : 's'}, first: ${failures[0]}…` : ''})`);
  });
  const elapsed = endedAt - t0;
  const after = await settledStatements();
  checkExact(size, uuid, state);
  runLog.push({ size, uuid });
  return { ms: elapsed, uuid, statements: after - before };
}

// ---------------------------------------------------------------------------------------------
// 1 and 3: run time per worker against the floor; D1 statements per worker.

async function runTimes(size: number) {
  const alternations = size > 2000 ? 1 : opts.alternations;
  const record = (measured.runTimes[size] = { floors: [], floorConcurrency: [], subjects: [], statements: [], concurrency: [] } as Measured['runTimes'][number]);
  for (let i = 0; i <= alternations; i++) {
    record.floorConcurrency.push(concurrency);
    record.floors.push(await typenameFloor(stack.baseUrl, stack.adminKey, size, concurrency));
    log(`  ${size}: floor ${ms(record.floors.at(-1)!)} ms (${size} × { __typename } at ${concurrency})`);
    if (i === alternations) break;
    let run: Awaited<ReturnType<typeof timedRun>>;
    try {
      run = await timedRun(size);
    } catch (error) {
      // Reported in the table and by the exit code; the other figures are still measured.
      record.failure = error instanceof Error ? error.message : String(error);
      failures.push(`figure 1 at ${size} workers: ${record.failure}`);
      log(`  ${size}: FAILED: ${record.failure}`);
      return;
    }
    const seen = fleet.concurrency();
    concurrency = Math.max(1, Math.round(seen.mean));
    record.subjects.push(run.ms);
    record.statements.push(run.statements / size);
    record.concurrency.push(seen);
    log(`  ${size}: run ${ms(run.ms)} ms, ${ms(run.ms / size)} ms/worker, ${(run.statements / size).toFixed(2)} D1 statements/worker, callbacks in flight mean ${seen.mean.toFixed(1)} peak ${seen.peak}`);
  }
}

// ---------------------------------------------------------------------------------------------
// 2: callback ingestion against the floor.

/** Starts a run whose dispatches the fleet holds; answers once all `size` are held and running. */
async function openRun(size: number, filters: string[]): Promise<{ uuid: string; held: HeldCheck[] }> {
  fleet.mode = 'hold';
  fleet.held.length = 0;
  const { uuid } = await initiate(stack.baseUrl, stack.adminKey, filters);
  const deadline = performance.now() + 60_000 + size * 200;
  for (;;) {
    const held = fleet.held.filter((check) => check.healthCheckUuid === uuid);
    if (held.length >= size) {
      const state = await (await fetch(`${stack.baseUrl}/__bench/run/${uuid}`)).json() as RunState;
      if ((state.rows.running ?? 0) === size) {
        fleet.mode = 'auto';
        return { uuid, held };
      }
    }
    if (performance.now() > deadline) throw new Error(`run ${uuid}: only ${held.length} of ${size} dispatches arrived`);
    await sleep(50);
  }
}

async function ingestion() {
  const size = opts.ingest;
  const filters = filtersFor(opts.sizes.find((s) => s >= size) ?? opts.sizes.at(-1)!);
  const record = (measured.ingest = { floors: [], callbacks: [], concurrency, phases: [] } as NonNullable<Measured['ingest']>);
  for (let i = 0; i <= opts.alternations; i++) {
    record.floors.push(await typenameFloor(stack.baseUrl, stack.adminKey, size, record.concurrency));
    log(`  ingest: floor ${ms(record.floors.at(-1)!)} ms (${size} × { __typename } at ${record.concurrency})`);
    if (i === opts.alternations) break;
    const before = await d1Statements();
    const { uuid, held } = await openRun(size, filters);
    const dispatched = await settledStatements();
    const checks = held.slice(0, size);
    const t0 = performance.now();
    await pool(checks.length, record.concurrency, async (index) => {
      await fleet.report(checks[index]!);
    });
    const elapsed = performance.now() - t0;
    const reported = await d1Statements();
    record.callbacks.push(elapsed);
    log(`  ingest: ${checks.length} signed callbacks in ${ms(elapsed)} ms (${((checks.length / elapsed) * 1000).toFixed(0)}/s)`);
    // The rest of the run (if the run has more workers than were measured), then its end.
    for (const check of held.slice(size)) await fleet.report(check);
    const tally = fleet.tally(uuid);
    const { state } = await waitForEnd(stack.baseUrl, uuid, () => true, 120_000);
    if (tally.errors.length || state.status !== 'completed') throw new Error(`ingest run ${uuid}: ${state.status}, ${tally.errors.slice(0, 3).join('; ')}`);
    const ended = await settledStatements();
    // Where a run's statements go, per worker: initiate and dispatch, the callbacks, the end.
    record.phases.push({ dispatch: (dispatched - before) / size, callbacks: (reported - dispatched) / size, finalise: (ended - reported) / size });
    log(`  ingest: D1 statements per worker: ${(dispatched - before) / size} initiate + dispatch, ${(reported - dispatched) / size} callbacks, ${((ended - reported) / size).toFixed(3)} the end`);
  }
}

// ---------------------------------------------------------------------------------------------
// 5 and 6: one event to many subscribers; a run watched; pings meanwhile.

async function oneEvent(subscribers: Subscriber[], probe: PingProbe, distinct: boolean) {
  subscribeAll(subscribers, distinct);
  await sleep(1000);
  // Pings with nothing going on (the subscribes are in): the probe's own floor.
  const idleFrom = performance.now();
  await sleep(1000);
  const idleTo = performance.now();
  const { uuid, held } = await openRun(1, [workerName(groups[0]!.name, 1)]);
  await allReceived(subscribers, uuid, 'STARTED', 60_000);
  await sleep(300);
  const statementsBefore = await d1Statements();
  const t0 = performance.now();
  if (!(await fleet.report(held[0]!))) throw new Error(`one-event run ${uuid}: the callback was refused: ${fleet.tally(uuid).errors[0]}`);
  await allReceived(subscribers, uuid, 'WORKER_RESULT', 120_000);
  const latencies = subscribers.map((s) => s.arrivals.find((a) => a.healthCheckUuid === uuid && a.type === 'WORKER_RESULT')!.at - t0);
  const t1 = t0 + Math.max(...latencies);
  await allReceived(subscribers, uuid, 'COMPLETED', 120_000);
  // What the result, the run's end and the two deliveries (WORKER_RESULT, COMPLETED) cost in D1.
  const statements = (await settledStatements()) - statementsBefore;
  await unsubscribeAll(subscribers);
  // Pings are read once their pongs are in: those sent during the publish may be answered after it.
  await sleep(500);
  const pings = probe.between(t0, t1);
  const idle = probe.between(idleFrom, idleTo);
  return { p99: quantile(latencies, 0.99), p50: quantile(latencies, 0.5), pings, idle, statements };
}

async function fanout(subscribers: Subscriber[], probe: PingProbe) {
  const record = (measured.fanout = { one: [], distinct: [], oneP50: [], distinctP50: [], pings: [], idlePings: [] } as NonNullable<Measured['fanout']>);
  for (let i = 0; i <= opts.alternations; i++) {
    const one = await oneEvent(subscribers, probe, false);
    record.one.push(one.p99);
    record.oneP50.push(one.p50);
    record.idlePings.push(...one.idle);
    log(`  one document: p50 ${ms(one.p50)} ms, p99 ${ms(one.p99)} ms to ${subscribers.length}; pings meanwhile p99 ${ms(quantile(one.pings, 0.99))} ms (${one.pings.length}); ${one.statements} D1 statements from the callback to COMPLETED delivered`);
    if (i === opts.alternations) break;
    const distinct = await oneEvent(subscribers, probe, true);
    record.distinct.push(distinct.p99);
    record.distinctP50.push(distinct.p50);
    record.pings.push(...distinct.pings);
    record.idlePings.push(...distinct.idle);
    log(`  distinct documents: p50 ${ms(distinct.p50)} ms, p99 ${ms(distinct.p99)} ms to ${subscribers.length}; pings meanwhile p99 ${ms(quantile(distinct.pings, 0.99))} ms (${distinct.pings.length}); ${distinct.statements} D1 statements from the callback to COMPLETED delivered`);
  }
}

/**
 * A run of the history size watched by every subscriber, against the same run unwatched. The
 * watchers all subscribe with one document (what a thousand dashboards on one run send); the run's
 * time is to its end in D1 as for figure 1, and the deliveries' end (the last subscriber's
 * COMPLETED) is reported beside it, waited for at most WATCHED_DELIVERY_MS.
 */
const WATCHED_DELIVERY_MS = 300_000;

async function watched(subscribers: Subscriber[], probe: PingProbe) {
  const size = historySize;
  const alternations = Math.min(opts.alternations, 2);
  const record = (measured.watched = { unwatched: [], watched: [], delivered: [], undelivered: [], pings: [] } as NonNullable<Measured['watched']>);
  for (let i = 0; i <= alternations; i++) {
    const quiet = await timedRun(size);
    record.unwatched.push(quiet.ms);
    log(`  ${size}-worker run unwatched: ${ms(quiet.ms)} ms`);
    if (i === alternations) break;
    subscribeAll(subscribers, false);
    await sleep(1500);
    const t0 = performance.now();
    let uuid = '';
    const run = await timedRun(size, (id) => (uuid = id));
    record.watched.push(run.ms);
    const completed = () => subscribers.filter((s) => s.arrivals.some((a) => a.healthCheckUuid === uuid && a.type === 'COMPLETED')).length;
    await allReceived(subscribers, uuid, 'COMPLETED', WATCHED_DELIVERY_MS).catch(() => {});
    const missing = subscribers.length - completed();
    if (missing === 0) {
      const delivered = Math.max(...subscribers.map((s) => s.arrivals.find((a) => a.healthCheckUuid === uuid && a.type === 'COMPLETED')!.at)) - t0;
      const short = subscribers.filter((s) => s.arrivals.filter((a) => a.healthCheckUuid === uuid && a.type === 'WORKER_RESULT').length !== size).length;
      if (short) throw new Error(`${short} watchers of ${uuid} did not get exactly ${size} WORKER_RESULT events`);
      record.delivered.push(delivered);
      await sleep(500);
      record.pings.push(...probe.between(t0, t0 + delivered));
      log(`  ${size}-worker run watched by ${subscribers.length}: ${ms(run.ms)} ms, every event delivered by ${ms(delivered)} ms`);
    } else {
      record.undelivered.push(missing);
      record.pings.push(...probe.between(t0, performance.now()));
      log(`  ${size}-worker run watched by ${subscribers.length}: ${ms(run.ms)} ms; ${missing} subscribers still lacked COMPLETED after ${WATCHED_DELIVERY_MS / 1000} s`);
    }
    await unsubscribeAll(subscribers);
    // A backlog left in the hubs would weigh on the next measurement: let it drain.
    if (missing) await sleep(30_000);
  }
}

// ---------------------------------------------------------------------------------------------
// 4: the history page.

const SUITE = 'total passed failed results { name status durationMs error }';
export const HISTORY_QUERY = `query History($first: Int) { healthChecks(first: $first) { edges { cursor node {
  uuid triggerType triggerSource status totalWorkers completedWorkers passedWorkers failedWorkers overallHealthScore healthStatus
  aiAnalysis aiRecommendations startedAt completedAt timeoutAt
  workerResults { uuid healthCheckUuid workerName workerType status healthStatus healthScore uptimeSeconds memoryUsageMb cpuUsagePercent
    responseTimeMs orchestratorConnectivity externalApiConnectivity databaseConnectivity unitTests { ${SUITE} } performanceTests { ${SUITE} }
    integrationTests { ${SUITE} } errorMessage warnings aiWorkerAnalysis aiWorkerRecommendations requestedAt startedAt completedAt }
} } pageInfo { hasNextPage endCursor } } }`;

async function timedFetch(url: string, init?: RequestInit): Promise<{ ms: number; text: string }> {
  const t0 = performance.now();
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return { ms: performance.now() - t0, text };
}

/** Where two answers differ (the first few paths), or '' when they are the same JSON. */
function differences(a: unknown, b: unknown, at = '', found: string[] = []): string[] {
  if (found.length >= 5) return found;
  if (typeof a !== typeof b || (a === null) !== (b === null) || Array.isArray(a) !== Array.isArray(b)) found.push(`${at}: ${JSON.stringify(a)?.slice(0, 80)} vs ${JSON.stringify(b)?.slice(0, 80)}`);
  else if (Array.isArray(a)) {
    if (a.length !== (b as unknown[]).length) found.push(`${at}: ${a.length} items vs ${(b as unknown[]).length}`);
    else a.forEach((item, i) => differences(item, (b as unknown[])[i], `${at}[${i}]`, found));
  } else if (a && typeof a === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b as object)])) differences((a as any)[key], (b as any)[key], `${at}.${key}`, found);
  } else if (a !== b && !(typeof a === 'number' && Math.abs(a - (b as number)) < 1e-9)) found.push(`${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  return found;
}

async function history() {
  const first = opts.historyRuns;
  const sqlUrl = `${stack.baseUrl}/__bench/history-sql?first=${first}`;
  const graphqlInit: RequestInit = {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.adminKey}` },
    body: JSON.stringify({ query: HISTORY_QUERY, variables: { first } }),
  };
  const record = (measured.history = { sql: [], graphql: [], bytes: { sql: 0, graphql: 0 }, same: '' } as NonNullable<Measured['history']>);
  // One of each first, unmeasured: warm, and the two answers compared.
  const sql = await timedFetch(sqlUrl);
  const graphql = await timedFetch(`${stack.baseUrl}/graphql`, graphqlInit);
  const graphqlData = JSON.parse(graphql.text) as { data: any; errors?: unknown[] };
  if (graphqlData.errors) throw new Error(`history query: ${JSON.stringify(graphqlData.errors).slice(0, 500)}`);
  const sqlData = JSON.parse(sql.text);
  const edges = graphqlData.data.healthChecks.edges as { node: { totalWorkers: number; workerResults: unknown[] } }[];
  if (edges.length !== first || edges.some((edge) => edge.node.workerResults.length !== historySize)) {
    throw new Error(`the history page is not ${first} runs of ${historySize} workers: ${edges.map((edge) => edge.node.workerResults.length).join(',')}`);
  }
  const diff = differences(graphqlData.data, sqlData.data);
  record.same = diff.length ? `differs: ${diff.join('; ')}` : 'same JSON';
  record.bytes = { sql: sql.text.length, graphql: graphql.text.length };
  log(`  history: GraphQL ${(graphql.text.length / 1e6).toFixed(1)} MB, SQL ${(sql.text.length / 1e6).toFixed(1)} MB, ${record.same}`);
  for (let i = 0; i <= opts.alternations; i++) {
    record.sql.push((await timedFetch(sqlUrl)).ms);
    if (i === opts.alternations) break;
    record.graphql.push((await timedFetch(`${stack.baseUrl}/graphql`, graphqlInit)).ms);
    log(`  history: SQL ${ms(record.sql.at(-1)!)} ms, GraphQL ${ms(record.graphql.at(-1)!)} ms`);
  }
}

// ---------------------------------------------------------------------------------------------
// The table.

interface Row {
  figure: string;
  subject: string;
  baseline: string;
  value: Summary;
  unit: 'x' | 'ms' | 'n';
  goal: string;
  met: boolean;
}

const fmt = (s: Summary, unit: Row['unit']) => {
  const f = unit === 'x' ? (v: number) => v.toFixed(2) : unit === 'ms' ? ms : (v: number) => v.toFixed(2);
  const suffix = unit === 'x' ? '×' : unit === 'ms' ? ' ms' : '';
  if (s.n === 0) return '**failed**';
  return s.n > 1 ? `**${f(s.median)}${suffix}** (${f(s.min)}–${f(s.max)})` : `**${f(s.median)}${suffix}**`;
};

function rows(): Row[] {
  const out: Row[] = [];
  for (const size of opts.sizes) {
    const r = measured.runTimes[size];
    if (!r) continue;
    if (r.failure && r.subjects.length === 0) {
      out.push({
        figure: `1. per-worker run time, ${size.toLocaleString('en')} workers`,
        subject: `**the run did not complete**: ${r.failure.replace(/\|/g, '\\|').replace(/\\"/g, '"').slice(0, 420)}… (all of it below the table)`,
        baseline: `${ms(median(r.floors) / size)} ms/request (${size.toLocaleString('en')} × \`{ __typename }\` at ${r.floorConcurrency.join('/')})`,
        value: { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 },
        unit: 'x',
        goal: '≤ 1.5×',
        met: false,
      });
      continue;
    }
    const ratios = summarise(interleavedRatios(r.floors, r.subjects));
    out.push({
      figure: `1. per-worker run time, ${size.toLocaleString('en')} workers`,
      subject: `${ms(median(r.subjects) / size)} ms/worker (run ${ms(median(r.subjects) / 1000)} s)`,
      baseline: `${ms(median(r.floors) / size)} ms/request (${size.toLocaleString('en')} × \`{ __typename }\` at ${r.floorConcurrency.join('/')})`,
      value: ratios,
      unit: 'x',
      goal: '≤ 1.5×',
      met: ratios.median <= 1.5,
    });
  }
  const [small, large] = opts.sizes.slice(-2);
  if (small !== undefined && large !== undefined && small !== large && measured.runTimes[small] && measured.runTimes[large]?.failure) {
    out.push({
      figure: `1. per-worker cost, ${large.toLocaleString('en')} against ${small.toLocaleString('en')} workers`,
      subject: `no ${large.toLocaleString('en')}-worker run completed`,
      baseline: `${ms(median(measured.runTimes[small]!.subjects) / small)} ms/worker`,
      value: { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 },
      unit: 'x',
      goal: '≤ 1.2×',
      met: false,
    });
  } else if (small !== undefined && large !== undefined && small !== large && measured.runTimes[small]?.subjects.length && measured.runTimes[large]?.subjects.length) {
    const a = measured.runTimes[small]!.subjects.map((v) => v / small);
    const b = measured.runTimes[large]!.subjects.map((v) => v / large);
    const value = { median: median(b) / median(a), min: Math.min(...b) / Math.max(...a), max: Math.max(...b) / Math.min(...a), n: a.length * b.length };
    out.push({
      figure: `1. per-worker cost, ${large.toLocaleString('en')} against ${small.toLocaleString('en')} workers`,
      subject: `${ms(median(b))} ms/worker`,
      baseline: `${ms(median(a))} ms/worker`,
      value,
      unit: 'x',
      goal: '≤ 1.2×',
      met: value.median <= 1.2,
    });
  }
  if (measured.ingest) {
    const m = measured.ingest;
    const throughput = (list: number[]) => list.map((v) => (opts.ingest / v) * 1000);
    const value = summarise(interleavedRatios(throughput(m.floors), throughput(m.callbacks)));
    out.push({
      figure: '2. callback ingestion throughput',
      subject: `${median(throughput(m.callbacks)).toFixed(0)} signed results/s (${opts.ingest} pending checks)`,
      baseline: `${median(throughput(m.floors)).toFixed(0)} \`{ __typename }\`/s, both at ${m.concurrency} in flight`,
      value,
      unit: 'x',
      goal: '≥ 0.5×',
      met: value.median >= 0.5,
    });
  }
  for (const size of opts.sizes) {
    const r = measured.runTimes[size];
    if (!r || !opts.only.has('3') || r.statements.length === 0) continue;
    const value = summarise(r.statements);
    out.push({
      figure: `3. D1 statements per worker per run, ${size.toLocaleString('en')} workers`,
      subject: `${(median(r.statements) * size).toFixed(0)} statements a run`,
      baseline: '(a count)',
      value,
      unit: 'n',
      goal: '≤ 1.5',
      met: value.median <= 1.5,
    });
  }
  if (measured.history) {
    const h = measured.history;
    const value = summarise(interleavedRatios(h.sql, h.graphql));
    out.push({
      figure: `4. history page, ${opts.historyRuns} runs × ${historySize} workers with suites`,
      subject: `GraphQL ${ms(median(h.graphql))} ms (${(h.bytes.graphql / 1e6).toFixed(1)} MB)`,
      baseline: `hand-written SQL + JSON.stringify ${ms(median(h.sql))} ms (${(h.bytes.sql / 1e6).toFixed(1)} MB, ${h.same})`,
      value,
      unit: 'x',
      goal: '≤ 2×',
      met: value.median <= 2,
    });
  }
  if (measured.fanout) {
    const f = measured.fanout;
    const value = summarise(interleavedRatios(f.one, f.distinct));
    out.push({
      figure: `5. one event to ${opts.subscribers.toLocaleString('en')} subscribers, distinct documents, p99`,
      subject: `p99 ${ms(median(f.distinct))} ms (p50 ${ms(median(f.distinctP50))} ms) from the callback`,
      baseline: `one document: p99 ${ms(median(f.one))} ms (p50 ${ms(median(f.oneP50))} ms)`,
      value,
      unit: 'x',
      goal: '≤ 2×',
      met: value.median <= 2,
    });
  }
  if (measured.watched) {
    const w = measured.watched;
    const value = summarise(interleavedRatios(w.unwatched, w.watched));
    out.push({
      figure: `5. ${historySize}-worker run watched by ${opts.subscribers.toLocaleString('en')} subscribers (one document)`,
      subject: `${ms(median(w.watched))} ms; ${w.delivered.length ? `every event delivered by ${ms(median(w.delivered))} ms` : ''}${w.undelivered.length ? `${w.delivered.length ? '; ' : ''}${w.undelivered.length} of ${w.watched.length} runs not delivered to all within ${WATCHED_DELIVERY_MS / 1000} s` : ''}`,
      baseline: `unwatched ${ms(median(w.unwatched))} ms`,
      value,
      unit: 'x',
      goal: '≤ 1.3×',
      met: value.median <= 1.3,
    });
  }
  if (measured.fanout) {
    const f = measured.fanout;
    const p99 = quantile(f.pings, 0.99);
    out.push({
      figure: `6. ping answer during a ${opts.subscribers.toLocaleString('en')}-subscriber publish, p99`,
      subject: `${f.pings.length} pings during the distinct-document publishes; max ${ms(Math.max(...f.pings))} ms`,
      baseline: `idle p99 ${ms(quantile(f.idlePings, 0.99))} ms (${f.idlePings.length} pings)${measured.watched ? `; during the watched runs p99 ${ms(quantile(measured.watched.pings, 0.99))} ms` : ''}`,
      value: { median: p99, min: p99, max: p99, n: 1 },
      unit: 'ms',
      goal: 'p99 ≤ 50 ms',
      met: p99 <= 50,
    });
  }
  return out;
}

function machine() {
  const cpus = os.cpus();
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    nproc: os.availableParallelism(),
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    workerd: version(path.join(ROOT, 'node_modules/.bin/workerd'), ['--version']).replace(/^workerd\s+/, ''),
    wrangler: (JSON.parse(execFileSync('cat', [path.join(ROOT, 'node_modules/wrangler/package.json')], { encoding: 'utf8' })) as { version: string }).version,
    load: os.loadavg().map((v) => v.toFixed(2)).join(' '),
  };
}

/** The code measured: HEAD when the bundle was built, and what the tree changed outside bench/ then. */
function codeState(): string {
  const git = (...args: string[]) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim();
  try {
    const status = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' });
    const dirty = status.split('\n').filter((line) => line.length > 3 && !line.slice(3).startsWith('bench/'));
    return `commit ${git('rev-parse', '--short', 'HEAD')}${dirty.length ? ` with ${dirty.length} uncommitted change${dirty.length === 1 ? '' : 's'} outside bench/ (${dirty.map((line) => line.slice(3)).join(', ')})` : ''}`;
  } catch {
    return 'commit unknown';
  }
}

function report(loadBefore: string, code: string): string {
  const m = machine();
  const table = rows();
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${code}, in ${((Date.now() - started) / 60000).toFixed(1)} min: ` +
      `\`npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\``,
    '',
    `Machine: ${m.nproc} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, workerd ${m.workerd} (wrangler ${m.wrangler}); load average ${loadBefore} at the start, ${m.load} at the end.`,
    '',
    '| figure | subject | baseline | ratio: median (min–max) | goal | |',
    '|---|---|---|---|---|---|',
    ...table.map((row) => `| ${row.figure} | ${row.subject} | ${row.baseline} | ${fmt(row.value, row.unit)} | ${row.goal} | ${row.met ? 'met' : '**missed**'} |`),
    '',
    `Alternations: ${opts.alternations} per figure (sizes over 2,000: floor, run, floor; the watched run ${Math.min(opts.alternations, 2)}); ratios are each subject against the baseline before it and the one after it. ` +
      `Fleet: ${opts.sizes.at(-1)!.toLocaleString('en')} registered workers, each reporting 5 unit, 3 performance and 2 integration tests; one in ten reports a broken run.`,
    ...(failures.length ? ['', '**The bench failed** (exit code 1):', '', ...failures.map((failure) => `- ${failure}`)] : []),
  ];
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const loadBefore = os.loadavg().map((v) => v.toFixed(2)).join(' ');
  log(`sizes ${opts.sizes.join(', ')}; ${opts.alternations} alternations; ${opts.subscribers} subscribers; figures ${[...opts.only].sort().join(',')}; load ${loadBefore}`);
  // The fleet's secrets come from .dev.vars (prepareSecrets, as npm start and the e2e stack read it).
  const { prepareSecrets } = await import('../scripts/dev-vars');
  fleet = new SimFleet((await prepareSecrets()).signingKey);
  await fleet.start();
  const code = codeState();
  stack = await startBenchStack({ log, seedSql: seedSql(fleet) });
  try {
    log(`registering ${groups[0]!.count} workers through registerWorker; ${opts.sizes.at(-1)! - groups[0]!.count} were seeded in D1`);
    await registerGroup(stack.baseUrl, stack.adminKey, fleet, groups[0]!.name, groups[0]!.count);
    await checkRegistry();

    log('warm-up run');
    await timedRun(historySize);
    concurrency = Math.max(1, Math.round(fleet.concurrency().mean));

    if (opts.only.has('1')) {
      for (const size of opts.sizes.slice(1)) {
        log(`figure 1: ${size} workers`);
        await runTimes(size);
      }
    }
    if (opts.only.has('2')) {
      log(`figure 2: callback ingestion, ${opts.ingest} pending checks`);
      await ingestion();
    }
    if (opts.only.has('5') || opts.only.has('6')) {
      log(`figures 5 and 6: connecting ${opts.subscribers} subscribers and 4 ping sockets`);
      const subscribers = await connectSubscribers(stack.baseUrl, stack.adminKey, opts.subscribers);
      const probe = new PingProbe();
      await probe.start(stack.baseUrl, stack.adminKey, 4, 10);
      try {
        await fanout(subscribers, probe);
        if (opts.only.has('5')) await watched(subscribers, probe);
      } finally {
        probe.stop();
        await closeSubscribers(subscribers);
      }
    }
    if (opts.only.has('1')) {
      log(`figure 1: ${historySize} workers`);
      await runTimes(historySize);
    }
    if (opts.only.has('4')) {
      const trailing = runLog.length - 1 - runLog.findLastIndex((run) => run.size !== historySize);
      for (let i = trailing; i < opts.historyRuns; i++) {
        log(`history: run ${i + 1} of ${opts.historyRuns} of ${historySize} workers`);
        await timedRun(historySize);
      }
      log(`figure 4: the history page`);
      await history();
    }
  } finally {
    await stack.stop();
    await fleet.stop();
  }
  const text = report(loadBefore, code);
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(path.join(opts.out, 'latest.md'), text);
  const samples = path.join(BENCH_DIR, 'results', 'latest.json');
  mkdirSync(path.dirname(samples), { recursive: true });
  writeFileSync(samples, JSON.stringify({ options: { ...opts, only: [...opts.only] }, machine: machine(), measured }, null, 1));
  console.log(`\n${text}`);
  if (failures.length) {
    console.error(`\nbench FAILED: ${failures.length} run${failures.length === 1 ? '' : 's'} did not end exactly as the fleet sent:\n${failures.map((failure) => `- ${failure}`).join('\n')}`);
    process.exitCode = 1;
  }
  log(`wrote ${path.relative(ROOT, path.join(opts.out, 'latest.md'))} (paste it into BENCHMARKS.md) and every sample to ${path.relative(ROOT, samples)}`);
}

/** The seeded rows read back through the API exactly as an API-registered one does. */
async function checkRegistry() {
  const data = await gql<{ workers: { name: string; type: string; enabled: boolean; binding: string | null; url: string | null; dependsOn: string[]; createdAt: string }[] }>(
    stack.baseUrl,
    stack.adminKey,
    '{ workers { name type enabled binding url dependsOn createdAt } }',
  );
  const expected = opts.sizes.at(-1)!;
  if (data.workers.length !== expected) throw new Error(`the registry has ${data.workers.length} workers, expected ${expected}`);
  const shape = (w: (typeof data.workers)[number]) => JSON.stringify([w.type.startsWith('g'), w.enabled, w.binding, w.url === fleet.urlFor(w.name), w.dependsOn, typeof w.createdAt]);
  const reference = shape(data.workers.find((w) => w.type === groups[0]!.name)!);
  const odd = data.workers.filter((w) => shape(w) !== reference);
  if (odd.length) throw new Error(`${odd.length} registered workers differ from an API-registered one, e.g. ${JSON.stringify(odd[0])}`);
  if (data.workers.filter((w) => isBroken(w.name)).length === 0) throw new Error('no broken workers in the fleet');
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(`\nbench FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
