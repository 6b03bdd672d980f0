/** GraphQL over HTTP for the bench: a POST with the admin key; any GraphQL error throws. */
export async function gql<T = any>(baseUrl: string, key: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: { data?: T; errors?: unknown[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${response.status} from /graphql: ${text.slice(0, 500)}`);
  }
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors).slice(0, 2000)}`);
  return body.data as T;
}

/** Runs `task` for 0..count-1 with at most `concurrency` at once; settles when all have. */
export async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await task(next++);
  });
  await Promise.all(lanes);
}

/** `count` POSTs of `{ __typename }` at `concurrency`: the floor every figure is measured against. Answers ms. */
export async function typenameFloor(baseUrl: string, key: string, count: number, concurrency: number): Promise<number> {
  const body = JSON.stringify({ query: '{ __typename }' });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const started = performance.now();
  await pool(count, concurrency, async () => {
    const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers, body });
    const text = await response.text();
    if (response.status !== 200 || !text.includes('"__typename":"Query"')) throw new Error(`{ __typename } answered ${response.status}: ${text.slice(0, 300)}`);
  });
  return performance.now() - started;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
