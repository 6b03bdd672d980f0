import { env } from 'cloudflare:workers';
import { serveGraphQL } from '../../http/serve';
import { buildYoga } from '../../http/yoga';
import { countingD1 } from './counting-d1';
import { withExecutionContext, type GraphQLResponse } from './graphql';

/**
 * Serves one query in this isolate over a D1 that counts statements: the answer, and the SQL of
 * every statement it cost, without the key's throttled last-used write (at most once a minute,
 * not per page).
 */
export async function countedQuery(key: string, query: string, variables: Record<string, unknown> = {}) {
  const { d1, statements } = countingD1(env.DB);
  const yoga = buildYoga({ ...env, DB: d1 });
  const response = await withExecutionContext((ctx) =>
    serveGraphQL(
      new Request('http://orchestrator/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      }),
      { ...env, DB: d1 },
      ctx,
      yoga,
    ),
  );
  const body = (await response.json()) as Omit<GraphQLResponse, 'status'>;
  return { status: response.status, ...body, statements: statements.filter((sql) => !/^update "api_keys"/i.test(sql)) };
}
