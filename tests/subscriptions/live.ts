/**
 * A monitoring client as a dashboard would write one: the real `graphql-ws` client, authenticating
 * in `connection_init`, with each subscription's results queued for assertions. Runtime-neutral
 * (no workerd imports): tests in workerd pass a WebSocket that upgrades through the orchestrator's
 * fetch handler, tests/e2e pass Node's WebSocket and a ws:// address.
 */
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';

export function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface LiveSubscription<T> {
  /** Every `next` so far. */
  readonly results: FormattedExecutionResult<T>[];
  /** The next result not yet taken by `next()`. */
  next(): Promise<FormattedExecutionResult<T>>;
  /** Resolves with the operation's error (an `error` message's GraphQL errors, or a close event). */
  readonly failed: Promise<unknown>;
  /** Resolves when the server completes the operation (a finished run's catch-up ends so). */
  readonly completed: Promise<void>;
  /** Sends `complete` for this operation. */
  stop(): void;
}

export interface LiveClient {
  client: Client;
  /** Resolves on `connection_ack`; rejects if the socket closes first (with its close event). */
  connected: Promise<void>;
  /** The close event, once the socket closes. */
  closed: Promise<{ code: number; reason: string }>;
  subscribe<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): LiveSubscription<T>;
  /**
   * Resolves once the hub has handled every subscribe sent before: it sends a subscribe the hub
   * must refuse and waits for the refusal, since the hub handles one socket's messages in order.
   */
  settled(): Promise<void>;
  dispose(): Promise<void>;
}

export interface LiveOptions {
  url: string;
  webSocketImpl: unknown;
  /** The whole `connection_init` payload; by default `{ authorization: "Bearer <key>" }`. */
  connectionParams?: Record<string, unknown> | (() => Promise<Record<string, unknown>>);
}

export function live(key: string | null, { url, webSocketImpl, connectionParams }: LiveOptions): LiveClient {
  const client = createClient({
    url,
    webSocketImpl,
    connectionParams: connectionParams ?? (key === null ? {} : { authorization: `Bearer ${key}` }),
    lazy: false,
    retryAttempts: 0,
    // A refused connection must surface as an error, not be retried or swallowed.
    shouldRetry: () => false,
    onNonLazyError: () => {},
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    client.on('closed', (event) => {
      const { code, reason } = event as { code: number; reason: string };
      resolve({ code, reason });
    }),
  );
  const connected = new Promise<void>((resolve, reject) => {
    client.on('connected', () => resolve());
    void closed.then(reject);
  });
  connected.catch(() => {}); // awaited only by the tests that expect a connection

  function subscribe<T>(query: string, variables?: Record<string, unknown>): LiveSubscription<T> {
    const results: FormattedExecutionResult<T>[] = [];
    let taken = 0;
    const waiting: (() => void)[] = [];
    let fail!: (error: unknown) => void;
    const failed = new Promise<unknown>((resolve) => (fail = resolve));
    let markCompleted!: () => void;
    const completed = new Promise<void>((resolve) => (markCompleted = resolve));
    const stop = client.subscribe<T>(
      { query, ...(variables ? { variables } : {}) },
      {
        next: (result) => {
          results.push(result as FormattedExecutionResult<T>);
          waiting.shift()?.();
        },
        error: (error) => fail(error),
        complete: () => markCompleted(),
      },
    );
    return {
      results,
      failed,
      completed,
      stop,
      async next() {
        if (taken >= results.length) await within(new Promise<void>((resolve) => waiting.push(resolve)), `result ${taken + 1} of ${query}`);
        return results[taken++]!;
      },
    };
  }

  return {
    client,
    connected,
    closed,
    subscribe,
    async settled() {
      // Refused for its unknown field, or for the socket's subscription cap: either way answered.
      const fence = subscribe('subscription Fence { healthCheckUpdated { noSuchField } }');
      const errors = await within(fence.failed, 'the fence to be refused');
      if (!Array.isArray(errors)) throw new Error(`the socket closed instead: ${JSON.stringify(errors)}`);
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}
