import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { WorkerHealthError, WorkerHealthNetworkError, type GraphQLErrorLike } from './errors.js';

/** The part of a fetch Response the client reads. The global `Response` is one. */
export interface FetchResponseLike {
  readonly status: number;
  text(): Promise<string>;
}

/** A `fetch`: the global one (Node 18+, Workers, browsers) or any with this shape. */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<FetchResponseLike>;

export interface WorkerHealthClientOptions {
  /** The orchestrator, e.g. `https://health.example.com`; `/graphql` is added when the path lacks it. */
  url: string;
  /** An API key (`wh_…`), sent as `Authorization: Bearer <key>` and in the WebSocket's `connection_init`. */
  apiKey: string;
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** A WebSocket constructor for subscriptions. Default: the global `WebSocket` (Node 22+, Workers, browsers). */
  webSocketImpl?: unknown;
  /** How long one request may take, in milliseconds. Default 30 000. */
  timeoutMs?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface SubscribeOptions {
  /** Aborting ends the subscription: the iterator finishes. */
  signal?: AbortSignal;
  /**
   * Called once the socket this subscription goes out on is acknowledged (after
   * `connection_init`) and the subscription has been sent. graphql-ws has no acknowledgement of a
   * subscription itself, so this is the earliest moment events can be expected.
   */
  onConnected?: () => void;
}

/** Variables are optional exactly when the operation has no required variable. */
type Args<TVariables, TOptions> = Record<string, never> extends TVariables
  ? [variables?: TVariables, options?: TOptions]
  : [variables: TVariables, options?: TOptions];

export interface WorkerHealthClient {
  /** The GraphQL endpoint over HTTP, e.g. `https://health.example.com/graphql`. */
  readonly url: string;
  /**
   * Runs a query or mutation over `POST /graphql` and resolves with its typed `data`.
   * Rejects with a {@link WorkerHealthError} when the server answers with errors (its
   * `extensions.code` as `code`), or a {@link WorkerHealthNetworkError} when no GraphQL answer came.
   */
  request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, ...args: Args<TVariables, RequestOptions>): Promise<TResult>;
  /**
   * Subscribes over graphql-ws (on the same `/graphql`, authenticated in `connection_init`) and
   * yields each event's typed `data`. The iterator throws a {@link WorkerHealthError} for an event
   * with errors or a refused key (close 4403), a {@link WorkerHealthNetworkError} when the socket
   * could not be opened or closed; `break` (or `return()`) unsubscribes.
   */
  subscribe<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, ...args: Args<TVariables, SubscribeOptions>): AsyncIterableIterator<TResult>;
  /** Closes the subscription socket, if one is open. */
  dispose(): Promise<void>;
}

/** The HTTP and WebSocket addresses of the GraphQL endpoint for an orchestrator's URL. */
export function graphqlEndpoints(url: string): { http: string; ws: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`Not a URL: ${JSON.stringify(url)} (expected e.g. https://health.example.com)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`Not an http(s) URL: ${JSON.stringify(url)}`);
  }
  if (!/\/graphql\/?$/.test(parsed.pathname)) parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/graphql`;
  const http = parsed.toString();
  return { http, ws: http.replace(/^http/, 'ws') };
}

const printed = new WeakMap<DocumentNode, { query: string; operationName: string | undefined }>();

function source(document: DocumentNode): { query: string; operationName: string | undefined } {
  let entry = printed.get(document);
  if (!entry) {
    const operation = document.definitions.find((definition) => definition.kind === 'OperationDefinition');
    entry = { query: print(document), operationName: operation && 'name' in operation ? operation.name?.value : undefined };
    printed.set(document, entry);
  }
  return entry;
}

/**
 * A typed client for the worker-health API: the generated documents of this package (or any
 * TypedDocumentNode) in, their typed results out.
 *
 * ```ts
 * const client = createWorkerHealthClient({ url: 'https://health.example.com', apiKey });
 * const { initiateHealthCheck } = await client.request(InitiateHealthCheckDocument, { input: { workerFilters: ['billing'] } });
 * ```
 */
export function createWorkerHealthClient(options: WorkerHealthClientOptions): WorkerHealthClient {
  const { http, ws: wsUrl } = graphqlEndpoints(options.url);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const authorization = `Bearer ${options.apiKey}`;

  async function request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables?: TVariables,
    requestOptions: RequestOptions = {},
  ): Promise<TResult> {
    const fetchImpl = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (!fetchImpl) throw new TypeError('No fetch in this runtime: pass createWorkerHealthClient({ fetch })');
    const { query, operationName } = source(document);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = requestOptions.signal ? AbortSignal.any([requestOptions.signal, timeout]) : timeout;

    let status: number;
    let text: string;
    try {
      const response = await fetchImpl(http, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization,
        },
        body: JSON.stringify({ query, operationName, variables: variables ?? {} }),
        signal,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (requestOptions.signal?.aborted) throw requestOptions.signal.reason;
      if (timeout.aborted) throw new WorkerHealthNetworkError(`No answer from ${http} within ${timeoutMs / 1000} s`, { cause: error });
      throw new WorkerHealthNetworkError(`Could not reach ${http} (${fetchFailureReason(error)})`, { cause: error });
    }

    const body = parseGraphQLResponse(text);
    if (!body) {
      const snippet = text.trim().slice(0, 80).replace(/\s+/g, ' ');
      throw new WorkerHealthNetworkError(`${http} answered HTTP ${status} with something that is not a GraphQL response${snippet ? `: ${snippet}` : ''}`, { status });
    }
    if (body.errors && body.errors.length > 0) throw new WorkerHealthError(body.errors, { status });
    if (body.data === undefined || body.data === null) {
      throw new WorkerHealthError([{ message: `${http} answered HTTP ${status} with neither data nor errors` }], { status, fallbackCode: 'INTERNAL_SERVER_ERROR' });
    }
    return body.data as TResult;
  }

  let ws: Client | undefined;
  let connected = false;
  const connectedWaiters = new Set<() => void>();

  function socket(): Client {
    ws ??= createClient({
      url: wsUrl,
      ...(options.webSocketImpl === undefined ? {} : { webSocketImpl: options.webSocketImpl }),
      connectionParams: { authorization },
      lazy: true,
      // One attempt: a caller that wants to reconnect decides what it missed meanwhile.
      retryAttempts: 0,
      on: {
        connected: () => {
          connected = true;
          // After graphql-ws has sent the subscriptions waiting for this acknowledgement.
          for (const waiter of connectedWaiters) setTimeout(waiter, 0);
          connectedWaiters.clear();
        },
        closed: () => {
          connected = false;
        },
      },
    });
    return ws;
  }

  function subscribe<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables?: TVariables,
    subscribeOptions: SubscribeOptions = {},
  ): AsyncIterableIterator<TResult> {
    const { query, operationName } = source(document);
    const queue: TResult[] = [];
    let failure: unknown;
    let done = false;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const { onConnected, signal } = subscribeOptions;
    const finish = () => {
      done = true;
      if (onConnected) connectedWaiters.delete(onConnected);
      signal?.removeEventListener('abort', onAbort);
      unsubscribe();
      notify();
    };
    const onAbort = () => finish();

    let unsubscribe: () => void = () => {};
    unsubscribe = socket().subscribe<TResult>(
      { query, ...(operationName ? { operationName } : {}), variables: (variables ?? {}) as Record<string, unknown> },
      {
        next: (result) => {
          if (done) return;
          if (result.errors && result.errors.length > 0) {
            failure = new WorkerHealthError(result.errors as readonly GraphQLErrorLike[]);
            finish();
          } else if (result.data !== undefined && result.data !== null) {
            queue.push(result.data);
            notify();
          }
        },
        error: (error) => {
          if (done) return;
          failure = subscriptionFailure(error, wsUrl);
          finish();
        },
        complete: () => finish(),
      },
    );
    if (onConnected) {
      if (connected) setTimeout(onConnected, 0);
      else connectedWaiters.add(onConnected);
    }
    if (signal?.aborted) finish();
    else signal?.addEventListener('abort', onAbort, { once: true });

    const iterator: AsyncIterableIterator<TResult> = {
      [Symbol.asyncIterator]() {
        return iterator;
      },
      async next(): Promise<IteratorResult<TResult>> {
        for (;;) {
          if (queue.length > 0) return { done: false, value: queue.shift() as TResult };
          if (failure !== undefined) {
            const error = failure;
            failure = undefined;
            throw error;
          }
          if (done) return { done: true, value: undefined };
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      async return(): Promise<IteratorResult<TResult>> {
        finish();
        queue.length = 0;
        failure = undefined;
        return { done: true, value: undefined };
      },
    };
    return iterator;
  }

  return {
    url: http,
    request: request as WorkerHealthClient['request'],
    subscribe: subscribe as WorkerHealthClient['subscribe'],
    async dispose() {
      const current = ws;
      ws = undefined;
      connected = false;
      await current?.dispose();
    },
  };
}

function parseGraphQLResponse(text: string): { data?: unknown; errors?: GraphQLErrorLike[] } | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null || !('data' in body || 'errors' in body)) return null;
  const { errors } = body as { errors?: unknown };
  if (errors !== undefined && !Array.isArray(errors)) return null;
  return body as { data?: unknown; errors?: GraphQLErrorLike[] };
}

/** Node's fetch says "fetch failed" and keeps the reason (ECONNREFUSED, ENOTFOUND…) in its cause. */
function fetchFailureReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** graphql-ws hands a sink's `error` a close event, a socket error event, an Error or GraphQL errors. */
function subscriptionFailure(error: unknown, wsUrl: string): Error {
  if (Array.isArray(error)) return new WorkerHealthError(error as GraphQLErrorLike[]);
  if (error instanceof Error) return new WorkerHealthNetworkError(`The subscription to ${wsUrl} failed: ${error.message}`, { cause: error });
  if (typeof error === 'object' && error !== null) {
    const { code, reason, type } = error as { code?: unknown; reason?: unknown; type?: unknown };
    if (typeof code === 'number') {
      const what = `${code}${typeof reason === 'string' && reason ? ` ${reason}` : ''}`;
      if (code === 4403) {
        return new WorkerHealthError([{ message: `The server refused the API key on ${wsUrl} (close ${what})`, extensions: { code: 'UNAUTHENTICATED' } }]);
      }
      if (code === 1006) return new WorkerHealthNetworkError(`The connection to ${wsUrl} could not be made or dropped (close ${what})`, { closeCode: code });
      return new WorkerHealthNetworkError(`The subscription socket to ${wsUrl} closed (close ${what})`, { closeCode: code });
    }
    if (type === 'error') return new WorkerHealthNetworkError(`Could not connect to ${wsUrl}`, { cause: error });
  }
  return new WorkerHealthNetworkError(`The subscription to ${wsUrl} failed: ${String(error)}`, { cause: error });
}
