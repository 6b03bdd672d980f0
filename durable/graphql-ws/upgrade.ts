/**
 * Whether an HTTP request may become a graphql-ws socket. Pure, so index.ts can run the same check
 * before choosing a hub shard, and the hub runs it again. The subprotocol is chosen by graphql-ws's
 * own `handleProtocols`; the refusals (their statuses and words) are the hub's.
 */
import { GRAPHQL_TRANSPORT_WS_PROTOCOL, handleProtocols } from 'graphql-ws';
import type { ConnectionState } from './connection-state';
import type { HubLimits } from './limits';

export type UpgradeCheck =
  | { ok: true; protocol: typeof GRAPHQL_TRANSPORT_WS_PROTOCOL }
  | { ok: false; status: 400 | 426; body: string; headers: Record<string, string> };

const TEXT = 'text/plain; charset=utf-8';

export function checkUpgradeRequest(headers: Headers): UpgradeCheck {
  if (headers.get('Upgrade')?.trim().toLowerCase() !== 'websocket') {
    return {
      ok: false,
      status: 426,
      body: `Expected a WebSocket upgrade (Upgrade: websocket) speaking ${GRAPHQL_TRANSPORT_WS_PROTOCOL}\n`,
      // 426 must say which protocol to upgrade to (RFC 9110 §15.5.22).
      headers: { Upgrade: 'websocket', 'Content-Type': TEXT },
    };
  }
  const requested = headers.get('Sec-WebSocket-Protocol') ?? '';
  const protocol = handleProtocols(requested);
  if (protocol === false) {
    // The list is split only to say what was offered.
    const offered = requested
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    const got = offered.length ? `got ${offered.join(', ')}` : 'none was offered';
    return {
      ok: false,
      status: 400,
      body: `Unsupported WebSocket subprotocol: expected ${GRAPHQL_TRANSPORT_WS_PROTOCOL} (the graphql-ws protocol), ${got}\n`,
      headers: { 'Content-Type': TEXT },
    };
  }
  return { ok: true, protocol };
}

export interface Refusal {
  status: 503;
  body: string;
  headers: Record<string, string>;
}

export type Admission =
  /** Take the socket; first close `evict` (an index into the sockets) with EVICTED_CLOSE, if set. */
  | { accept: true; evict: number | null }
  | { accept: false; refusal: Refusal };

/**
 * Whether a hub takes a new socket. Below its socket cap and its cap of sockets awaiting
 * `connection_init`, it does. At either cap it makes room rather than refuse, when it can: the
 * socket that has waited longest for its `connection_init`, if it has waited at least
 * `evictPendingAfterMs` and is not having one checked right now (`busy`), is closed with 4408. So
 * sockets held open without authenticating never keep a client with a key out, however many there
 * are. A hub refuses, with a 503 the Worker's router answers by trying the next shard, only when
 * every socket is authenticated, mid-init or just connected (a burst of clients connecting at once
 * spreads over the shards rather than closing one another).
 *
 * `sockets` counts the open sockets; their states are read (a read per socket) only at a cap.
 */
export function admitUpgrade(
  limits: Pick<HubLimits, 'maxSockets' | 'maxPendingSockets' | 'evictPendingAfterMs'>,
  sockets: number,
  states: () => ReadonlyArray<ConnectionState | null>,
  now: number,
  busy: (index: number) => boolean = () => false,
): Admission {
  if (sockets < limits.maxSockets && sockets < limits.maxPendingSockets) return { accept: true, evict: null };
  const all = states();
  const awaiting = all.flatMap((state, index) => (state?.phase === 'awaiting_init' ? [{ index, connectedAt: state.connectedAt }] : []));
  const full = sockets >= limits.maxSockets;
  const pendingFull = awaiting.length >= limits.maxPendingSockets;
  if (!full && !pendingFull) return { accept: true, evict: null };
  let oldest: { index: number; connectedAt: number } | null = null;
  for (const candidate of awaiting) {
    if (now - candidate.connectedAt < limits.evictPendingAfterMs || busy(candidate.index)) continue;
    if (oldest === null || candidate.connectedAt < oldest.connectedAt) oldest = candidate;
  }
  if (oldest !== null) return { accept: true, evict: oldest.index };
  return { accept: false, refusal: full ? hubFullResponseInit(limits.maxSockets) : hubPendingFullResponseInit(limits.maxPendingSockets) };
}

/** The refusal when a hub shard is at its socket cap. */
export function hubFullResponseInit(maxSockets: number): Refusal {
  return {
    status: 503,
    body: `This subscription hub is full (${maxSockets} connections); try again later\n`,
    headers: { 'Retry-After': '5', 'Content-Type': TEXT },
  };
}

/**
 * The refusal when a hub shard holds its cap of sockets still awaiting `connection_init` and every
 * one of them is having its init checked (none can be closed to make room). A 503 like a full
 * hub's, so the Worker's router tries the next shard and a client retries.
 */
export function hubPendingFullResponseInit(maxPendingSockets: number): Refusal {
  return {
    status: 503,
    body: `This subscription hub has too many connections awaiting connection_init (${maxPendingSockets}); try again later\n`,
    headers: { 'Retry-After': '5', 'Content-Type': TEXT },
  };
}

/** Sockets that have not completed `connection_init` yet (including one whose init is being checked). */
export function countAwaitingInit(states: ReadonlyArray<ConnectionState | null>): number {
  let pending = 0;
  for (const state of states) if (state?.phase === 'awaiting_init') pending++;
  return pending;
}
