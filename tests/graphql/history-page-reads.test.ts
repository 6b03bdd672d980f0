import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countedQuery } from '../helpers/counted-page';
import { countRows, seedRun } from '../helpers/fixtures';
import { keyFor } from '../helpers/graphql';
import { resultInput, signedReport } from '../runs/helpers';

// The history page (`healthChecks`, each run with its `workerResults`) reads what it returns: a
// JSON column is parsed only when its field is selected, and `workerResults(first:)` bounds the
// rows in SQL, in the page's one statement.

const page = countedQuery;

const HISTORY = (workerArgs: string) => `{
  healthChecks(first: 20) {
    totalCount
    edges { node { uuid workerResults${workerArgs} { workerName } } }
  }
}`;

const names = (data: any) =>
  (data.healthChecks.edges as any[]).map((edge) => (edge.node.workerResults as any[]).map((worker) => worker.workerName));

/** 20 runs of 12 workers, as statement-count.test.ts reads them. */
async function seedTwentyRuns() {
  for (let i = 0; i < 20; i++) {
    await seedRun({}, Array.from({ length: 12 }, (_, w) => ({ workerName: `w${w}`, unitTestsTotal: 1 })));
  }
}

describe('HealthCheck.workerResults(first:)', () => {
  it('returns the first rows of each run in id order, in the same number of statements as all of them', async () => {
    const key = await keyFor('viewer');
    await seedTwentyRuns();

    const all = await page(key, HISTORY(''));
    expect(all.errors).toBeUndefined();
    expect(names(all.data)).toEqual(Array.from({ length: 20 }, () => Array.from({ length: 12 }, (_, w) => `w${w}`)));

    const two = await page(key, HISTORY('(first: 2)'));
    expect(two.errors).toBeUndefined();
    expect(two.data!.healthChecks.totalCount).toBe(20);
    expect(names(two.data)).toEqual(Array.from({ length: 20 }, () => ['w0', 'w1']));

    // Key lookup, the page (worker results joined into it), the total count: as without `first`.
    expect(all.statements).toHaveLength(3);
    expect(two.statements).toHaveLength(3);
    // The bound is in SQL, inside the page's one statement, not a slice of rows read.
    const pageSql = two.statements.find((sql) => /"worker_health_checks"/.test(sql))!;
    expect(pageSql).toMatch(/ limit \?/i);
    expect(all.statements.find((sql) => /"worker_health_checks"/.test(sql))!.match(/ limit /gi)).toHaveLength(1);
    expect(pageSql.match(/ limit /gi)).toHaveLength(2);
  });

  it('takes a variable; 0 returns none and more than a run has returns all of them', async () => {
    const key = await keyFor('viewer');
    const uuid = await seedRun({}, [{ workerName: 'a' }, { workerName: 'b' }, { workerName: 'c' }]);
    const query = 'query ($uuid: ID!, $first: Int) { healthCheck(uuid: $uuid) { workerResults(first: $first) { workerName } } }';
    const read = async (first: number | null) => {
      const response = await page(key, query, { uuid, first });
      expect(response.errors).toBeUndefined();
      return (response.data!.healthCheck.workerResults as any[]).map((worker) => worker.workerName);
    };
    expect(await read(0)).toEqual([]);
    expect(await read(1)).toEqual(['a']);
    expect(await read(10_000)).toEqual(['a', 'b', 'c']);
    expect(await read(null)).toEqual(['a', 'b', 'c']);
  });

  it('refuses a negative or too large first with BAD_USER_INPUT, reading no page and changing nothing', async () => {
    const key = await keyFor('viewer');
    const uuid = await seedRun({}, [{ workerName: 'a' }, { workerName: 'b' }]);
    const before = { runs: await countRows('health_checks'), workers: await countRows('worker_health_checks') };
    const historyWith = 'query ($first: Int) { healthChecks(first: 20) { totalCount edges { node { uuid workerResults(first: $first) { workerName } } } } }';
    const runWith = 'query ($uuid: ID!, $first: Int) { healthCheck(uuid: $uuid) { uuid workerResults(first: $first) { workerName } } }';

    for (const first of [-1, 10_001]) {
      const history = await page(key, historyWith, { first });
      expect(history.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(history.errors![0]!.message).toBe(`"first" must be between 0 and 10000; got ${first}.`);
      expect(history.data).toBeNull();
      // Only the key lookup ran: the refusal comes before the page's statement is built.
      expect(history.statements).toHaveLength(1);

      const one = await page(key, runWith, { uuid, first });
      expect(one.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(one.data).toEqual({ healthCheck: null });
    }

    // Written into the document: -1 reaches the same check; 10001 is refused even earlier, by the
    // query cost limit (GraphQL Armor multiplies a selection's cost by a literal `first`).
    const literalNegative = await page(key, HISTORY('(first: -1)'));
    expect(literalNegative.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(literalNegative.errors![0]!.message).toBe('"first" must be between 0 and 10000; got -1.');
    const literalHuge = await page(key, HISTORY('(first: 10001)'));
    expect(literalHuge.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(literalHuge.data ?? null).toBeNull();

    expect({ runs: await countRows('health_checks'), workers: await countRows('worker_health_checks') }).toEqual(before);
    // The same page without the bad argument reads as before.
    const ok = await page(key, HISTORY(''));
    expect(ok.errors).toBeUndefined();
    expect(names(ok.data)).toEqual([['a', 'b']]);
  });
});

describe('JSON columns on the history page', () => {
  afterEach(() => vi.restoreAllMocks());

  const UNIT_RESULTS = JSON.stringify([{ name: 'unit-only-marker', status: 'passed', durationMs: 3 }]);
  const PERF_RESULTS = JSON.stringify([{ name: 'perf-only-marker', status: 'failed', durationMs: 9, error: 'slow' }]);
  const WARNINGS = JSON.stringify(['warning-only-marker']);

  /** Calls `fn` and returns which of the columns' texts were handed to JSON.parse meanwhile. */
  async function parsedColumns<T>(fn: () => Promise<T>) {
    const parse = vi.spyOn(JSON, 'parse');
    const result = await fn();
    const texts = new Set(parse.mock.calls.map((call) => call[0]));
    parse.mockRestore();
    return {
      result,
      unit: texts.has(UNIT_RESULTS),
      performance: texts.has(PERF_RESULTS),
      warnings: texts.has(WARNINGS),
    };
  }

  it('parses a column only when its field is selected', async () => {
    const key = await keyFor('viewer');
    await seedRun({}, [
      {
        workerName: 'w',
        unitTestsTotal: 1,
        unitTestsPassed: 1,
        unitTestResults: UNIT_RESULTS,
        performanceTestsTotal: 1,
        performanceTestsFailed: 1,
        performanceTestResults: PERF_RESULTS,
        warnings: WARNINGS,
      },
    ]);

    // The counters of every suite, no results, no warnings: nothing is parsed.
    const counters = await parsedColumns(() =>
      page(key, '{ healthChecks { edges { node { workerResults { unitTests { total passed } performanceTests { failed } } } } } }'),
    );
    expect(counters.result.errors).toBeUndefined();
    expect(counters.result.data!.healthChecks.edges[0].node.workerResults).toEqual([
      { unitTests: { total: 1, passed: 1 }, performanceTests: { failed: 1 } },
    ]);
    expect(counters).toMatchObject({ unit: false, performance: false, warnings: false });

    // One suite's results: that column alone.
    const unit = await parsedColumns(() =>
      page(key, '{ healthChecks { edges { node { workerResults { unitTests { results { name status durationMs } } performanceTests { total } } } } } }'),
    );
    expect(unit.result.errors).toBeUndefined();
    expect(unit.result.data!.healthChecks.edges[0].node.workerResults[0].unitTests.results).toEqual([
      { name: 'unit-only-marker', status: 'PASSED', durationMs: 3 },
    ]);
    expect(unit).toMatchObject({ unit: true, performance: false, warnings: false });

    // Warnings alone.
    const warnings = await parsedColumns(() => page(key, '{ healthChecks { edges { node { workerResults { warnings } } } } }'));
    expect(warnings.result.data!.healthChecks.edges[0].node.workerResults).toEqual([{ warnings: ['warning-only-marker'] }]);
    expect(warnings).toMatchObject({ unit: false, performance: false, warnings: true });
  });

  it('a column holding invalid JSON breaks no query that leaves it out, and reads as [] where selected', async () => {
    const key = await keyFor('viewer');
    await seedRun({}, [
      { workerName: 'edited', unitTestsTotal: 2, unitTestsPassed: 1, unitTestsFailed: 1, unitTestResults: '[{"name": "a", "status": ', warnings: 'not json' },
      // Valid JSON of the wrong shape is tolerated the same way.
      { workerName: 'shaped', unitTestResults: '{"name":"a"}', integrationTestResults: '[{"name":"x","status":"exploded","durationMs":1}]', warnings: '[1,2]' },
      { workerName: 'fine', unitTestResults: UNIT_RESULTS, warnings: WARNINGS },
    ]);

    const without = await page(key, '{ healthChecks { edges { node { workerResults { workerName unitTests { total passed failed } } } } } }');
    expect(without.errors).toBeUndefined();
    expect(without.data!.healthChecks.edges[0].node.workerResults).toEqual([
      { workerName: 'edited', unitTests: { total: 2, passed: 1, failed: 1 } },
      { workerName: 'shaped', unitTests: { total: 0, passed: 0, failed: 0 } },
      { workerName: 'fine', unitTests: { total: 0, passed: 0, failed: 0 } },
    ]);

    const withResults = await page(
      key,
      '{ healthChecks { edges { node { workerResults { workerName warnings unitTests { results { name } } integrationTests { results { name } } } } } } }',
    );
    expect(withResults.errors).toBeUndefined();
    expect(withResults.data!.healthChecks.edges[0].node.workerResults).toEqual([
      { workerName: 'edited', warnings: [], unitTests: { results: [] }, integrationTests: { results: [] } },
      { workerName: 'shaped', warnings: [], unitTests: { results: [] }, integrationTests: { results: [] } },
      { workerName: 'fine', warnings: ['warning-only-marker'], unitTests: { results: [{ name: 'unit-only-marker' }] }, integrationTests: { results: [] } },
    ]);
  });

  it('reads back exactly the tests a worker reported', async () => {
    const key = await keyFor('viewer');
    const healthCheckUuid = await seedRun({ status: 'running' }, [{ workerName: 'agent-factory', status: 'running' }]);
    const row = await env.DB.prepare('SELECT worker_check_uuid FROM worker_health_checks WHERE health_check_uuid = ?')
      .bind(healthCheckUuid)
      .first<{ worker_check_uuid: string }>();
    const unitTests = [
      { name: 'parses config', status: 'PASSED', durationMs: 1.25 },
      { name: 'rejects bad input', status: 'FAILED', durationMs: 2, error: 'expected 400, got 500' },
      { name: 'needs network', status: 'SKIPPED', durationMs: 0 },
    ];
    const performanceTests = [{ name: 'p95 under 200 ms', status: 'PASSED', durationMs: 187.5 }];
    const integrationTests = [{ name: 'talks to D1', status: 'FAILED', durationMs: 30, error: 'no such table' }];
    const reported = await signedReport(
      'agent-factory',
      resultInput(row!.worker_check_uuid, { unitTests, performanceTests, integrationTests, warnings: ['cold start', 'slow disk'] }),
    );
    expect(reported.errors).toBeUndefined();

    const suite = 'total passed failed results { name status durationMs error }';
    const read = await page(
      key,
      `{ healthChecks { edges { node { uuid workerResults { workerName warnings unitTests { ${suite} } performanceTests { ${suite} } integrationTests { ${suite} } } } } } }`,
    );
    expect(read.errors).toBeUndefined();
    const withError = (tests: { name: string; status: string; durationMs: number; error?: string }[]) => tests.map((test) => ({ error: null, ...test }));
    expect(read.data!.healthChecks.edges).toEqual([
      {
        node: {
          uuid: healthCheckUuid,
          workerResults: [
            {
              workerName: 'agent-factory',
              warnings: ['cold start', 'slow disk'],
              unitTests: { total: 3, passed: 1, failed: 1, results: withError(unitTests) },
              performanceTests: { total: 1, passed: 1, failed: 0, results: withError(performanceTests) },
              integrationTests: { total: 1, passed: 0, failed: 1, results: withError(integrationTests) },
            },
          ],
        },
      },
    ]);
  });
});
