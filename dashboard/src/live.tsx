/** Subscriptions for pages: follow a document over graphql-ws while the page is open, resubscribing after a dropped socket. */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { WorkerHealthClient } from '../../client/src/client';
import { isAuthFailure } from './session';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface SubscriptionOptions<TResult> {
  /** Each event's data, in order. */
  onData: (data: TResult) => void;
  /** Called after a (re)connection is acknowledged: the moment to re-read what may have been missed. */
  onConnected?: () => void;
  /** The server completed the subscription (a finished run's story is over). */
  onComplete?: () => void;
  onAuthFailure?: () => void;
}

/**
 * Subscribes while mounted (and `enabled`), resubscribing 2, 4, … up to 30 s after a failure
 * (the client does not reconnect by itself). Changing `key` starts over.
 */
export function useSubscription<TResult, TVariables extends Record<string, unknown>>(
  client: WorkerHealthClient,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  options: SubscriptionOptions<TResult>,
  key: string,
  enabled = true,
): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const latest = useRef(options);
  latest.current = options;

  useEffect(() => {
    if (!enabled) return;
    const abort = new AbortController();
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const run = async () => {
      setState(attempt === 0 ? 'connecting' : 'reconnecting');
      const subscribe = client.subscribe as (
        doc: TypedDocumentNode<TResult, TVariables>,
        vars: TVariables,
        opts: { signal: AbortSignal; onConnected: () => void },
      ) => AsyncIterableIterator<TResult>;
      const events = subscribe(document, variables, {
        signal: abort.signal,
        onConnected: () => {
          attempt = 0;
          setState('live');
          latest.current.onConnected?.();
        },
      });
      try {
        for await (const data of events) latest.current.onData(data);
        if (abort.signal.aborted) return;
        setState('ended');
        latest.current.onComplete?.();
      } catch (error) {
        if (abort.signal.aborted) return;
        if (isAuthFailure(error)) {
          setState('ended');
          latest.current.onAuthFailure?.();
          return;
        }
        attempt++;
        setState('reconnecting');
        timer = setTimeout(() => void run(), Math.min(30_000, 1000 * 2 ** attempt));
      }
    };
    void run();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [client, key, enabled]);

  return state;
}

export function LiveIndicator({ state, what }: { state: LiveState; what: string }) {
  const text = {
    connecting: `Connecting to live ${what}…`,
    live: `Live: ${what} appear as they happen`,
    reconnecting: `Live ${what} paused: reconnecting…`,
    ended: `Live ${what} ended`,
  }[state];
  return (
    <p class={`live-indicator live-${state}`} role="status">
      <span class="live-dot" aria-hidden="true" />
      {text}
    </p>
  );
}
