import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { createDb } from '../../db/client';
import type { ApiKeyRole } from '../../db/api-keys';
import { createApiKey } from '../../operations/api-keys';

export const ADMIN_KEY = env.ADMIN_API_KEY;

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown>; path?: unknown[] }[];
}

/** POSTs a GraphQL request to the orchestrator's real fetch handler. */
export async function gql<T = Record<string, any>>(
  query: string,
  variables: Record<string, unknown> = {},
  options: { key?: string | null; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<T>> {
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  const response = await exports.default.fetch('http://orchestrator/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, ...body };
}

/** The codes of a response's errors, for terse assertions. */
export const codes = (response: GraphQLResponse) => (response.errors ?? []).map((error) => error.extensions?.code);

/** A fresh key of a role, created through the real operation. */
export async function keyFor(role: ApiKeyRole, name = `${role}-${crypto.randomUUID().slice(0, 8)}`) {
  const { key } = await createApiKey(createDb(env.DB), { name, role });
  return key;
}

/** Runs a handler with an ExecutionContext and waits for what it deferred. */
export async function withExecutionContext<T>(fn: (ctx: ExecutionContext) => T | Promise<T>): Promise<T> {
  const ctx = createExecutionContext();
  const result = await fn(ctx);
  await waitOnExecutionContext(ctx);
  return result;
}
