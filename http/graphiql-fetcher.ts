/**
 * GraphiQL's fetcher, run in the browser (bundled into assets/graphiql/start.js by
 * scripts/build-graphiql.mjs; never part of the Worker). It speaks to the API the way every other
 * client does:
 *
 * - queries and mutations: POST /graphql with the Headers tab's headers;
 * - subscriptions: graphql-ws on the same path, authenticated the one way the hub accepts, the
 *   `connection_init` payload `{ authorization: "Bearer <key>" }`, taken from the Headers tab's
 *   `Authorization`. One client (one socket) per distinct key, so changing the key in the tab opens
 *   a socket with the new one. A socket refused with 4403 (a missing, unknown, revoked or too weak
 *   key) ends the subscription with that error shown in GraphiQL, and is not retried;
 * - GraphiQL's schema introspection waits until the Headers tab holds a key (`onEditHeaders`), so
 *   the page opens with no error and loads the schema once a key is pasted. The server is not
 *   asked to make any exception: introspection needs a key like every other operation.
 */
import { getOperationAST, parse } from 'graphql';
import { createClient, type Client, type ClientOptions } from 'graphql-ws/client';

export interface FetcherParams {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

export interface FetcherOpts {
  headers?: Record<string, unknown>;
}

export interface ResultError {
  message: string;
  extensions?: Record<string, unknown>;
}

export interface FetcherResult {
  data?: unknown;
  errors?: readonly ResultError[];
  extensions?: unknown;
}

/** What GraphiQL subscribes to for a subscription: each result, then complete (an error is shown as a result). */
export interface Observable<T> {
  subscribe(observer: { next(value: T): void; error(error: unknown): void; complete(): void }): { unsubscribe(): void };
}

export type Fetcher = (params: FetcherParams, opts?: FetcherOpts) => Promise<FetcherResult> | Observable<FetcherResult>;

export interface GraphiQLFetcherOptions {
  /** The HTTP endpoint, e.g. http://localhost:8787/graphql. */
  url: string;
  /** The graphql-ws endpoint, e.g. ws://localhost:8787/graphql. */
  wsUrl: string;
  /** GraphiQL's introspection operation name (its `introspectionQueryName`). */
  introspectionQueryName?: string;
  /** For tests: the fetch and graphql-ws client to use. */
  fetch?: typeof fetch;
  createClient?: (options: ClientOptions) => Client;
}

export interface GraphiQLFetcher {
  fetcher: Fetcher;
  /** GraphiQL's `onEditHeaders`: a key typed or pasted into the Headers tab releases a waiting introspection. */
  onEditHeaders(headers: string): void;
  /** Closes every socket. */
  dispose(): Promise<void>;
}

/** The close code the hub answers a refused `connection_init` with (graphql-ws's Forbidden). */
export const FORBIDDEN_CLOSE = 4403;

const HINT = 'Paste a valid one as {"Authorization": "Bearer <key>"}.';

/** The `Authorization` header in a set of headers, whatever its case. */
export function authorizationOf(headers: Record<string, unknown> | undefined): string | undefined {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'authorization' && typeof value === 'string') return value;
  }
  return undefined;
}

/** Whether a header value carries a key, rather than nothing or the page's `<placeholder>`. */
export function isKey(authorization: string | undefined): authorization is string {
  return authorization !== undefined && /^Bearer\s+[^\s<>]+$/i.test(authorization.trim());
}

/** The Headers tab's text as headers, or undefined while it is not a JSON object. */
export function parseHeaders(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text.trim() === '' ? '{}' : text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isSubscription(params: FetcherParams): boolean {
  try {
    return getOperationAST(parse(params.query), params.operationName ?? undefined)?.operation === 'subscription';
  } catch {
    return false; // unparsable: POSTed, so the server's syntax error is what GraphiQL shows
  }
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return value !== null && typeof value === 'object' && 'code' in value && typeof (value as { code: unknown }).code === 'number' && 'reason' in value;
}

/** Whatever graphql-ws threw, as a result GraphiQL shows. */
export function subscriptionError(error: unknown, wsUrl: string): FetcherResult {
  if (Array.isArray(error)) return { errors: error as ResultError[] }; // the server's `error` message: GraphQL errors
  if (isCloseEvent(error)) {
    const closed = `The subscription socket was closed with ${error.code}${error.reason ? ` ${error.reason}` : ''}`;
    if (error.code === FORBIDDEN_CLOSE) {
      return {
        errors: [
          {
            message: `${closed}: the key from the Headers tab, sent as the connection_init payload, is missing, unknown, revoked or below viewer. ${HINT}`,
            extensions: { code: 'UNAUTHENTICATED', closeCode: error.code, closeReason: error.reason },
          },
        ],
      };
    }
    return { errors: [{ message: `${closed}.`, extensions: { closeCode: error.code, closeReason: error.reason } }] };
  }
  if (error instanceof Error) return { errors: [{ message: error.message }] };
  return { errors: [{ message: `Could not connect to ${wsUrl}.` }] };
}

export function createGraphiQLFetcher(options: GraphiQLFetcherOptions): GraphiQLFetcher {
  const introspectionName = options.introspectionQueryName ?? 'IntrospectionQuery';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const newClient = options.createClient ?? createClient;
  const clients = new Map<string, Client>();
  let waiting: Array<(headers: Record<string, unknown>) => void> = [];

  const post = async (params: FetcherParams, headers: Record<string, unknown>): Promise<FetcherResult> => {
    const sent: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') sent[name] = value;
    // The page's placeholder is not a key: leave it out, so the server says a key is missing.
    for (const name of Object.keys(sent)) if (name.toLowerCase() === 'authorization' && !isKey(sent[name])) delete sent[name];
    const response = await doFetch(options.url, {
      method: 'POST',
      headers: sent,
      body: JSON.stringify({ query: params.query, operationName: params.operationName ?? undefined, variables: params.variables ?? undefined }),
      credentials: 'same-origin',
    });
    const text = await response.text();
    try {
      return JSON.parse(text) as FetcherResult;
    } catch {
      return { errors: [{ message: `POST ${options.url} answered ${response.status} with something other than JSON: ${text.slice(0, 300)}` }] };
    }
  };

  const clientFor = (authorization: string | undefined): { key: string; client: Client } => {
    const key = isKey(authorization) ? authorization.trim() : '';
    let client = clients.get(key);
    if (!client) {
      client = newClient({
        url: options.wsUrl,
        // Exactly the protocol's payload; no key, no payload (the hub then refuses with 4403).
        connectionParams: key ? { authorization: key } : {},
        // A refused key stays refused: report the 4403 at once instead of reconnecting forever.
        shouldRetry: (errOrCloseEvent) => !(isCloseEvent(errOrCloseEvent) && errOrCloseEvent.code === FORBIDDEN_CLOSE),
      });
      clients.set(key, client);
    }
    return { key, client };
  };

  const forget = (key: string, client: Client) => {
    if (clients.get(key) === client) clients.delete(key);
    void client.dispose();
  };

  // An Observable, not an async generator: GraphiQL's stop button must unsubscribe at once (a
  // generator waiting for its next event would only hear `return()` after that event).
  const subscribe = (params: FetcherParams, headers: Record<string, unknown>): Observable<FetcherResult> => ({
    subscribe(observer) {
      const { key, client } = clientFor(authorizationOf(headers));
      const payload = { query: params.query, operationName: params.operationName ?? null, variables: params.variables ?? null };
      const unsubscribe = client.subscribe(payload, {
        next: (result) => observer.next(result as FetcherResult),
        error: (error) => {
          // GraphQL errors for this operation leave the socket open; anything else closed it, and
          // the next subscription with this key opens a new one.
          if (!Array.isArray(error)) forget(key, client);
          observer.next(subscriptionError(error, options.wsUrl));
          observer.complete();
        },
        complete: () => observer.complete(),
      });
      return { unsubscribe };
    },
  });

  const fetcher: Fetcher = (params, opts) => {
    const headers = opts?.headers ?? {};
    if (isSubscription(params)) return subscribe(params, headers);
    if (params.operationName === introspectionName && !isKey(authorizationOf(headers))) {
      // Until a key is pasted GraphiQL's schema request would only be UNAUTHENTICATED: hold it.
      return new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve)).then((withKey) => post(params, withKey));
    }
    return post(params, headers);
  };

  return {
    fetcher,
    onEditHeaders(text) {
      const headers = parseHeaders(text);
      if (!headers || !isKey(authorizationOf(headers)) || waiting.length === 0) return;
      const released = waiting;
      waiting = [];
      for (const resolve of released) resolve(headers);
    },
    async dispose() {
      const all = [...clients.values()];
      clients.clear();
      await Promise.all(all.map((client) => client.dispose()));
    },
  };
}
