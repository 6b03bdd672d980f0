/**
 * GraphQL over HTTP against the e2e stack, as a client other than the typed one: a POST with a
 * key, the test failing on any error. One copy for every e2e file that drives the API by hand.
 */
import { expect } from 'vitest';

/** POSTs `query` to `${baseUrl}/graphql` with `key` and returns its data; any GraphQL error fails the test. */
export async function graphqlData<T = any>(baseUrl: string, key: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data as T;
}

/** Reads until `done` holds, every 250 ms, failing with the last value after `timeoutMs`. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
