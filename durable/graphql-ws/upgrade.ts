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

/**
 * Whether a hub refuses a new socket: at its socket cap, or at its cap of sockets awaiting
 * `connection_init`. `awaitingInit` counts those (from the attachments, which costs a read per
 * socket), and is only called when there could be enough of them.
 */
export function refuseUpgrade(
  limits: Pick<HubLimits, 'maxSockets' | 'maxPendingSockets'>,
  sockets: number,
  awaitingInit: () => number,
): Refusal | null {
  if (sockets >= limits.maxSockets) return hubFullResponseInit(limits.maxSockets);
  if (sockets >= limits.maxPendingSockets && awaitingInit() >= limits.maxPendingSockets) return hubPendingFullResponseInit(limits.maxPendingSockets);
  return null;
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
 * The refusal when a hub shard holds its cap of sockets still awaiting `connection_init`. A 503
 * like a full hub's, so the Worker's router tries the next shard and a client retries.
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
