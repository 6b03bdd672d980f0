/** What every page shares: the signed-in session, and the dashboard's routes (in the URL's hash). */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { WorkerHealthClient } from '../../client/src/client';
import type { ApiKeyRole } from '../../client/generated/graphql';

export interface Session {
  client: WorkerHealthClient;
  keyName: string;
  role: ApiKeyRole;
  /** OPERATOR or ADMIN: may start checks and acknowledge alerts. */
  canOperate: boolean;
  /** The server stopped accepting the key (revoked meanwhile): ask for another. */
  keyRefused(): void;
}

export const SessionContext = createContext<Session | null>(null);

/**
 * The session's own subscription (alertChanged), open while signed in: it keeps one graphql-ws
 * socket up across pages (the client closes its socket when no subscription is left, and pages
 * come and go), and tells pages when alerts changed.
 */
export interface Live {
  state: 'connecting' | 'live' | 'reconnecting' | 'ended';
  /** Goes up by one at each alert change. */
  alertChanges: number;
}

export const LiveContext = createContext<Live>({ state: 'connecting', alertChanges: 0 });

export function useLive(): Live {
  return useContext(LiveContext);
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside the signed-in dashboard');
  return session;
}

export type Route =
  | { page: 'fleet' }
  | { page: 'run'; uuid: string; detail: boolean }
  | { page: 'worker'; name: string }
  | { page: 'missing'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/' || path === '') return { page: 'fleet' };
  const run = /^\/runs\/([^/]+)(\/detail)?\/?$/.exec(path);
  if (run) return { page: 'run', uuid: decodeURIComponent(run[1]!), detail: Boolean(run[2]) };
  const worker = /^\/workers\/([^/]+)\/?$/.exec(path);
  if (worker) return { page: 'worker', name: decodeURIComponent(worker[1]!) };
  return { page: 'missing', path };
}

export const href = {
  fleet: () => '#/',
  run: (uuid: string) => `#/runs/${encodeURIComponent(uuid)}`,
  runDetail: (uuid: string) => `#/runs/${encodeURIComponent(uuid)}/detail`,
  worker: (name: string) => `#/workers/${encodeURIComponent(name)}`,
};

