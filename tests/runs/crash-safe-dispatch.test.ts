import { abortAllDurableObjects, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchProbe, type DispatchInstant } from '../../durable/health-check-run';
import { DISPATCH_BATCH_SIZE } from '../../durable/run-plan';
import { codes, gql, keyFor } from '../helpers/graphql';
import { FLEET, initiate, readRun, register, resultInput, runRow, signedReport, waitForRun } from './helpers';

/**
 * The run object killed (ctx.abort, as a crash, a deploy or an eviction does) or evicted at each
 * instant of a dispatch batch: every worker is still dispatched, and the run ends COMPLETED with
 * exact counts. The object's own alarm brings it back, as in production; nothing here re-arms it.
 *
 * The fleet: agent-factory (reports by itself), "broken" (routed to agent-factory, which refuses
 * a dispatch signed for another name: FAILED at once) and 28 silent clones that accept and never
 * report (the test reports for them). By name, batch 1 is agent-factory, broken and clone-00..22;
 * batch 2 is clone-23..27.
 */
const CLONES = Array.from({ length: 28 }, (_, i) => ({ name: `clone-${String(i).padStart(2, '0')}`, type: 'clone', binding: 'SILENT_WORKER' }));
const FLEET_OF_30 = [FLEET[0]!, { name: 'broken', type: 'agent', binding: 'AGENT_FACTORY' }, ...CLONES];
const TOTAL = FLEET_OF_30.length;
const SECOND_BATCH = DISPATCH_BATCH_SIZE;

const runObject = (uuid: string) => env.HEALTH_CHECK_RUN.get(env.HEALTH_CHECK_RUN.idFromName(uuid));

interface Trace {
  instants: DispatchInstant[];
  /** How many answers each worker check's dispatch got (a dispatch the worker answered). */
  answers: Map<string, number>;
  kills: DispatchInstant[];
}

const count = (trace: Trace, at: DispatchInstant['at'], where: (instant: DispatchInstant) => boolean = () => true) =>
  trace.instants.filter((instant) => instant.at === at && where(instant)).length;
const inBatch = (from: number) => (instant: DispatchInstant) => 'from' in instant && instant.from === from;
/** The index of the current batch: the `from` of the last batch instant seen. */
const currentBatch = (trace: Trace) => {
  const last = trace.instants.findLast((instant) => 'from' in instant);
  return last && 'from' in last ? last.from : -1;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Watches every instant of the run object's batches and kills the object when `kill` says so:
 * first making what it wrote so far durable (the worst case: the bookkeeping survives), unless
 * the kill says 'unsynced' (its last writes are lost with it).
 */
type Verdict = boolean | 'unsynced';

function watch(kill: (instant: DispatchInstant, trace: Trace) => Verdict | Promise<Verdict> = () => false): Trace {
  const trace: Trace = { instants: [], answers: new Map(), kills: [] };
  dispatchProbe.observe = async (instant, ctx) => {
    trace.instants.push(instant);
    if (instant.at === 'answered') trace.answers.set(instant.workerCheckUuid, (trace.answers.get(instant.workerCheckUuid) ?? 0) + 1);
    const verdict = await kill(instant, trace);
    if (!verdict) return;
    trace.kills.push(instant);
    if (verdict !== 'unsynced') await ctx.storage.sync();
    ctx.abort(`killed at ${instant.at}`); // the object dies here: nothing after this line runs
  };
  return trace;
}

/**
 * Holds the `n`th instant matching `at` until `release()`; `parked` says it got there. Shared
 * flags, not promises: a promise made in the test cannot be settled from the object's request.
 */
function parkAt(trace: Trace, at: DispatchInstant['at'], n: number) {
  const flags = { parked: false, released: false };
  const observe = dispatchProbe.observe!;
  dispatchProbe.observe = async (instant, ctx) => {
    await observe(instant, ctx);
    if (instant.at === at && count(trace, at) === n) {
      flags.parked = true;
      while (!flags.released) await sleep(10);
    }
  };
  return {
    parked: async () => {
      for (let i = 0; !flags.parked; i++) {
        if (i > 1000) throw new Error(`never reached ${at} #${n}`);
        await sleep(10);
      }
    },
    release: () => {
      flags.released = true;
    },
  };
}

afterEach(() => {
  dispatchProbe.observe = undefined;
});

/**
 * Waits until no worker is PENDING (each was dispatched and answered, or failed), reports a
 * passing result for every silent clone, and checks the run ends COMPLETED with exact counts.
 */
async function finishRun(uuid: string, trace: Trace) {
  let dispatched = await readRun(uuid);
  for (const deadline = Date.now() + 10_000; dispatched.workerResults.some((w: any) => w.status === 'PENDING'); dispatched = await readRun(uuid)) {
    if (Date.now() > deadline) {
      const pending = dispatched.workerResults.filter((w: any) => w.status === 'PENDING').map((w: any) => w.workerName);
      throw new Error(`never dispatched, still PENDING after 10 s: ${pending.join(', ')}`);
    }
    await sleep(50);
  }
  expect(dispatched.status).toBe('RUNNING');
  for (const worker of dispatched.workerResults as { uuid: string; workerName: string; status: string }[]) {
    // Every worker's dispatch was answered at least once, and by the time the batch settled
    // each is running (202) or failed (refused) in D1.
    expect(trace.answers.get(worker.uuid), worker.workerName).toBeGreaterThanOrEqual(1);
    if (worker.workerName.startsWith('clone-')) {
      expect(worker.status).toBe('RUNNING');
      const report = await signedReport(worker.workerName, resultInput(worker.uuid));
      expect(report.errors).toBeUndefined();
    }
  }
  const run = await waitForRun(uuid);
  expect(run).toMatchObject({ status: 'COMPLETED', totalWorkers: TOTAL, completedWorkers: TOTAL, passedWorkers: TOTAL - 1, failedWorkers: 1 });
  const byName = Object.fromEntries(run.workerResults.map((w: any) => [w.workerName, w]));
  expect(byName['broken']).toMatchObject({ status: 'FAILED' });
  expect(byName['broken'].errorMessage).toMatch(/^Worker broken answered 401/);
  expect(run.workerResults.filter((w: any) => w.status === 'COMPLETED')).toHaveLength(TOTAL - 1);
  // The counters in D1 are the rows' counts, and the object is done: no alarm is left.
  expect(await runRow(uuid)).toEqual({ status: 'completed', completed_workers: TOTAL, passed_workers: TOTAL - 1, failed_workers: 1 });
  expect(await runDurableObjectAlarm(runObject(uuid))).toBe(false);
  return run;
}

/** The workers of the run in dispatch order, with their check uuids. */
async function checksOf(uuid: string): Promise<Map<string, string>> {
  const run = await readRun(uuid);
  return new Map(run.workerResults.map((w: any) => [w.workerName, w.uuid]));
}

/** How many times each worker's dispatch was answered, by name. */
async function answersByName(uuid: string, trace: Trace) {
  const checks = await checksOf(uuid);
  return Object.fromEntries([...checks].map(([name, check]) => [name, trace.answers.get(check) ?? 0]));
}

describe('crash-safe dispatch', () => {
  it('without faults dispatches each worker once, one batch after another', { timeout: 30_000 }, async () => {
    await register(FLEET_OF_30);
    const trace = watch();
    const uuid = await initiate();
    await finishRun(uuid, trace);
    expect(Object.values(await answersByName(uuid, trace))).toEqual(Array(TOTAL).fill(1));
    // The alarm armed before a batch's sends never starts another batch while they are in flight.
    const batchInstants = trace.instants.filter((instant) => 'from' in instant).map((instant) => `${instant.at} ${'from' in instant && instant.from}`);
    expect(batchInstants).toEqual(['bookkept 0', 'settled 0', 'advanced 0', `bookkept ${SECOND_BATCH}`, `settled ${SECOND_BATCH}`, `advanced ${SECOND_BATCH}`]);
  });

  it('killed between the bookkeeping and the sends: the whole batch is dispatched on restart', { timeout: 30_000 }, async () => {
    await register(FLEET_OF_30);
    const trace = watch((instant, t) => instant.at === 'bookkept' && instant.from === 0 && t.kills.length === 0);
    const uuid = await initiate();
    await finishRun(uuid, trace);
    expect(trace.kills).toHaveLength(1);
    expect(count(trace, 'bookkept', inBatch(0))).toBe(2);
    // Nothing had been sent when it died, so each worker was dispatched exactly once.
    expect(Object.values(await answersByName(uuid, trace))).toEqual(Array(TOTAL).fill(1));
  });

  it('killed before its bookkeeping was durable: the alarm is retried and the batch dispatched', { timeout: 30_000 }, async () => {
    await register(FLEET_OF_30);
    const trace = watch((instant, t) => instant.at === 'bookkept' && instant.from === 0 && t.kills.length === 0 && 'unsynced');
    const uuid = await initiate();
    await finishRun(uuid, trace);
    expect(trace.kills).toHaveLength(1);
    expect(Object.values(await answersByName(uuid, trace))).toEqual(Array(TOTAL).fill(1));
  });

  it('killed again and again before the sends: each restart takes the same batch up', { timeout: 30_000 }, async () => {
    await register(FLEET_OF_30);
    const trace = watch((instant, t) => instant.at === 'bookkept' && instant.from === 0 && t.kills.length < 3);
    const uuid = await initiate();
    await finishRun(uuid, trace);
    expect(trace.kills).toHaveLength(3);
    expect(count(trace, 'bookkept', inBatch(0))).toBe(4);
  });

  it('killed in the middle of a batch, answers recorded and in flight: the rest of the batch is dispatched', { timeout: 30_000 }, async () => {
    await register(FLEET_OF_30);
    // Dies once three workers' answers are recorded: the others of the first lanes were sent,
    // some answered, none recorded; most of the batch was not sent at all.
    const trace = watch((instant, t) => instant.at === 'recorded' && t.kills.length === 0 && count(t, 'recorded') === 3);
    const uuid = await initiate();
    const run = await finishRun(uuid, trace);
    expect(trace.kills).toHaveLength(1);
    // The three recorded before the kill were running in D1, so the restart did not send them
    // again; every other worker of the batch was dispatched once or, if its answer came but was
    // not recorded, twice (at least once: a repeated dispatch is harmless to a worker).
    const recordedBeforeKill = new Set(
      trace.instants.slice(0, trace.instants.indexOf(trace.kills[0]!) + 1).flatMap((instant) => (instant.at === 'recorded' ? [instant.workerCheckUuid] : [])),
    );
    expect(recordedBeforeKill.size).toBe(3);
    for (const check of recordedBeforeKill) expect(trace.answers.get(check)).toBe(1);
    for (const worker of run.workerResults) expect(trace.answers.get(worker.uuid)).toBeLessThanOrEqual(2);
  });

  it('killed after a worker answered but before its answer was recorded: that worker is dispatched again', { timeout: 30_000 }, async () => {
    await register(FLEET_OF_30);
    // The first silent clone to answer (agent-factory might report before the restart, and
    // broken's refusal is a failure): its row is still pending when the object dies.
    let first: string | undefined;
    const trace = watch(async (instant, t) => {
      if (instant.at !== 'answered' || t.kills.length > 0) return false;
      const row = await env.DB.prepare('SELECT worker_name FROM worker_health_checks WHERE worker_check_uuid = ?')
        .bind(instant.workerCheckUuid)
        .first<{ worker_name: string }>();
      if (!row?.worker_name.startsWith('clone-') || t.kills.length > 0) return false;
      first = instant.workerCheckUuid;
      return true;
    });
    const uuid = await initiate();
    await finishRun(uuid, trace);
    // Still pending in D1 when the object died, so it was sent again: at least once, not at most.
    expect(trace.answers.get(first!)).toBe(2);
  });

  it('killed after the batch settled, before the cursor moved: nobody is dispatched twice', { timeout: 30_000 }, async () => {
    await register(FLEET_OF_30);
    const trace = watch((instant, t) => instant.at === 'settled' && instant.from === 0 && t.kills.length === 0);
    const uuid = await initiate();
    await finishRun(uuid, trace);
    expect(trace.kills).toHaveLength(1);
    // The batch is taken up again, but every worker in it was running or failed in D1.
    expect(count(trace, 'bookkept', inBatch(0))).toBe(2);
    expect(Object.values(await answersByName(uuid, trace))).toEqual(Array(TOTAL).fill(1));
  });

  it('killed after the cursor moved: the next batch follows, nobody is dispatched twice', { timeout: 30_000 }, async () => {
    await register(FLEET_OF_30);
    const trace = watch((instant, t) => instant.at === 'advanced' && instant.from === 0 && t.kills.length === 0);
    const uuid = await initiate();
    await finishRun(uuid, trace);
    expect(count(trace, 'bookkept', inBatch(0))).toBe(1);
    expect(Object.values(await answersByName(uuid, trace))).toEqual(Array(TOTAL).fill(1));
  });

  it('killed after the cursor moved but before that was durable: the batch is taken up again, nobody dispatched twice', { timeout: 30_000 }, async () => {
    await register(FLEET_OF_30);
    const trace = watch((instant, t) => instant.at === 'advanced' && instant.from === 0 && t.kills.length === 0 && 'unsynced');
    const uuid = await initiate();
    await finishRun(uuid, trace);
    expect(count(trace, 'bookkept', inBatch(0))).toBe(2);
    expect(Object.values(await answersByName(uuid, trace))).toEqual(Array(TOTAL).fill(1));
  });

  it('killed in the middle of the last batch: its workers are dispatched too', { timeout: 30_000 }, async () => {
    await register(FLEET_OF_30);
    const trace = watch(
      (instant, t) => instant.at === 'sending' && t.kills.length === 0 && currentBatch(t) === SECOND_BATCH && count(t, 'sending') === SECOND_BATCH + 2,
    );
    const uuid = await initiate();
    await finishRun(uuid, trace);
    expect(trace.kills).toHaveLength(1);
    expect(count(trace, 'bookkept', inBatch(SECOND_BATCH))).toBe(2);
  });

  it('aborted from outside in the middle of a batch, as a redeploy does: the rest of the batch is dispatched', { timeout: 30_000 }, async () => {
    await register(FLEET_OF_30);
    // The third answer is held, unrecorded, while every Durable Object is aborted under it.
    const trace = watch();
    const third = parkAt(trace, 'answered', 3);
    const uuid = await initiate();
    await third.parked();
    await abortAllDurableObjects();
    third.release();
    await finishRun(uuid, trace);
    expect(count(trace, 'bookkept', inBatch(0))).toBe(2);
  });

  it('evicted in the middle of a batch: nothing of the batch is lost', { timeout: 30_000 }, async () => {
    await register(FLEET_OF_30);
    const trace = watch();
    const third = parkAt(trace, 'answered', 3);
    const uuid = await initiate();
    await third.parked();
    // workerd evicts gracefully: the batch in flight finishes first, then the memory is gone.
    const evicted = evictDurableObject(runObject(uuid));
    third.release();
    await evicted;
    await finishRun(uuid, trace);
    expect(Object.values(await answersByName(uuid, trace))).toEqual(Array(TOTAL).fill(1));
  });

  it('a cancel during a batch stays a cancel: the batch settles and the object stops', { timeout: 30_000 }, async () => {
    await register(FLEET_OF_30);
    const trace = watch();
    const third = parkAt(trace, 'answered', 3);
    const uuid = await initiate();
    await third.parked();
    const operator = await keyFor('operator');
    const cancelled = await gql('mutation ($uuid: ID!) { cancelHealthCheck(uuid: $uuid) { status } }', { uuid }, { key: operator });
    expect(codes(cancelled)).toEqual([]);
    // The object hears of the cancel while its batch is in flight.
    const stub = runObject(uuid);
    const stored = () =>
      runInDurableObject(stub, async (_instance, state) => {
        const row = state.storage.sql.exec<{ finished: number; dispatched: number }>('SELECT finished, dispatched FROM ledger_run').toArray()[0];
        return row && { finished: row.finished === 1, dispatched: row.dispatched };
      });
    for (let i = 0; !(await stored())?.finished; i++) {
      if (i > 200) throw new Error('the run object never heard of the cancel');
      await sleep(20);
    }
    third.release();
    for (let i = 0; count(trace, 'advanced') === 0; i++) {
      if (i > 500) throw new Error('the batch never settled');
      await sleep(20);
    }
    // Moving the cursor past the batch kept the run finished: no alarm, no second batch.
    expect(await stored()).toMatchObject({ finished: true });
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    expect(count(trace, 'bookkept', inBatch(SECOND_BATCH))).toBe(0);
    expect((await readRun(uuid)).status).toBe('CANCELLED');
    expect(await runRow(uuid)).toMatchObject({ status: 'cancelled', completed_workers: TOTAL });
  });
});
