import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { countedQuery } from '../helpers/counted-page';
import { seedRun } from '../helpers/fixtures';
import { ADMIN_KEY, keyFor } from '../helpers/graphql';

const PAGE_WITH_RESULTS = `{
  healthChecks(first: 20) {
    totalCount
    edges { node {
      uuid status overallHealthScore
      workerResults { workerName status healthScore unitTests { total results { name status } } warnings }
    } }
  }
}`;

async function statementsForPage(key: string) {
  const body = await countedQuery(key, PAGE_WITH_RESULTS);
  expect(body.errors).toBeUndefined();
  return { count: body.statements.length, edges: (body.data as any).healthChecks.edges.length };
}

it('reads a page of runs with all their worker results in a fixed number of statements', async () => {
  // A database API key: the page costs the key lookup too, a real part of every request.
  const key = await keyFor('viewer');

  await seedRun({}, [{ workerName: 'only' }]);
  const small = await statementsForPage(key);
  expect(small.edges).toBe(1);

  // 20 runs of 12 workers each: 240 worker rows, far past D1's 100 bound parameters if the
  // results were fetched by listing ids.
  for (let i = 0; i < 20; i++) {
    await seedRun({}, Array.from({ length: 12 }, (_, w) => ({ workerName: `w${w}`, unitTestsTotal: 1 })));
  }
  const large = await statementsForPage(key);
  expect(large.edges).toBe(20);

  // Key lookup, the page (worker results are joined into the same statement), the total count.
  expect(small.count).toBe(3);
  expect(large.count).toBe(3);
});

it('costs the bootstrap admin key no lookup at all', async () => {
  await seedRun({}, [{ workerName: 'only' }]);
  const { count } = await statementsForPage(ADMIN_KEY);
  expect(count).toBe(2);
});
