/**
 * The dashboard: asks for an API key once, then shows the fleet, a run (live), a run's detail and
 * a worker's history. Routes live in the URL's hash (#/runs/<uuid>), so every page is a link
 * and the orchestrator serves one file for all of them.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { DashboardAlertChangedDocument, MeDocument } from '../../client/generated/graphql';
import type { ComponentChildren } from 'preact';
import { href, LiveContext, parseRoute, SessionContext, type Route, type Session } from './context';
import { useSubscription } from './live';
import { FleetPage } from './fleet';
import { KeyForm } from './key-form';
import { RunPage } from './run';
import { clientFor, describeError, forgetKey, isAuthFailure, loadKey, roleAtLeast, saveKey } from './session';
import { titleCase } from './format';
import { WorkerPage } from './worker';

function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** Keeps the session's alertChanged subscription open for as long as the key is in use. */
function SessionLive({ session, children }: { session: Session; children: ComponentChildren }) {
  const [alertChanges, setAlertChanges] = useState(0);
  const state = useSubscription(
    session.client,
    DashboardAlertChangedDocument,
    {},
    { onData: () => setAlertChanges((n) => n + 1), onAuthFailure: session.keyRefused },
    'session',
  );
  const live = useMemo(() => ({ state, alertChanges }), [state, alertChanges]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

type Stage =
  | { kind: 'checking' }
  | { kind: 'ask'; error?: string }
  | { kind: 'unreachable'; error: string; key: string; remember: boolean }
  | { kind: 'ready'; session: Session };

export function App() {
  const [stage, setStage] = useState<Stage>(() => (loadKey() ? { kind: 'checking' } : { kind: 'ask' }));
  const route = useHashRoute();

  const signOut = useCallback((error?: string) => {
    forgetKey();
    setStage((current) => {
      if (current.kind === 'ready') void current.session.client.dispose();
      return error ? { kind: 'ask', error } : { kind: 'ask' };
    });
  }, []);

  /** Checks a key with the Me query; keeps it only once the server accepted it. */
  const tryKey = useCallback(
    async (key: string, remember: boolean) => {
      const client = clientFor(key);
      try {
        const { me } = await client.request(MeDocument);
        saveKey(key, remember);
        const session: Session = {
          client,
          keyName: me.keyName,
          role: me.role,
          canOperate: roleAtLeast(me.role, 'OPERATOR'),
          keyRefused: () => signOut('The server no longer accepts this key (revoked, or the orchestrator was reset). Enter another.'),
        };
        setStage({ kind: 'ready', session });
        return null;
      } catch (error) {
        void client.dispose();
        if (isAuthFailure(error)) {
          forgetKey();
          return 'The server does not know this key, or it was revoked.';
        }
        setStage({ kind: 'unreachable', error: describeError(error), key, remember });
        return describeError(error);
      }
    },
    [signOut],
  );

  useEffect(() => {
    if (stage.kind !== 'checking') return;
    const stored = loadKey();
    if (!stored) return setStage({ kind: 'ask' });
    void tryKey(stored.key, stored.remembered).then((error) => {
      if (error && !loadKey()) setStage({ kind: 'ask', error });
    });
  }, [stage.kind, tryKey]);

  // Moves focus to the new page's heading on navigation, so keyboard and screen-reader users
  // start at the top of what changed.
  const firstRoute = useRef(true);
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    const heading = document.querySelector<HTMLElement>('main h1');
    heading?.focus();
    window.scrollTo(0, 0);
  }, [route]);

  const session = stage.kind === 'ready' ? stage.session : null;
  const page = useMemo(() => {
    if (!session) return null;
    switch (route.page) {
      case 'fleet':
        return <FleetPage />;
      case 'run':
        return <RunPage key={`${route.uuid}`} uuid={route.uuid} detail={route.detail} />;
      case 'worker':
        return <WorkerPage key={route.name} name={route.name} />;
      default:
        return (
          <>
            <h1 tabIndex={-1}>Page not found</h1>
            <p>
              Nothing lives at <code>{route.path}</code>. <a href={href.fleet()}>Back to the fleet</a>.
            </p>
          </>
        );
    }
  }, [route, session]);

  return (
    <>
      <a class="skip-link" href="#main" onClick={(event) => {
        event.preventDefault();
        document.getElementById('main')?.focus();
      }}>
        Skip to content
      </a>
      <header class="site-header">
        <div class="header-inner">
          <a class="brand" href={href.fleet()} aria-label="worker-health: the fleet">
            <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
              <path d="M2 12h4l3-7 4 14 3-7h6" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" />
            </svg>
            <span>worker-health</span>
          </a>
          {session && (
            <nav aria-label="Main">
              <a href={href.fleet()} aria-current={route.page === 'fleet' ? 'page' : undefined}>
                Fleet
              </a>
            </nav>
          )}
          {session && (
            <div class="who">
              <span class="who-text">
                <span class="muted">Key </span>
                <strong>{session.keyName}</strong> <span class={`badge role-badge role-${session.role.toLowerCase()}`}>{titleCase(session.role)}</span>
              </span>
              <button type="button" class="button button-quiet" onClick={() => signOut()}>
                Forget key
              </button>
            </div>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {stage.kind === 'checking' && (
          <p class="muted" role="status">
            Checking your saved key…
          </p>
        )}
        {stage.kind === 'ask' && <KeyForm error={stage.error} onSubmit={tryKey} />}
        {stage.kind === 'unreachable' && (
          <div class="narrow">
            <h1 tabIndex={-1}>Cannot reach the orchestrator</h1>
            <div class="notice notice-error" role="alert">
              <p>{stage.error}</p>
            </div>
            <p class="actions">
              <button type="button" class="button" onClick={() => void tryKey(stage.key, stage.remember)}>
                Try again
              </button>
              <button type="button" class="button button-quiet" onClick={() => signOut()}>
                Forget key
              </button>
            </p>
          </div>
        )}
        {session && (
          <SessionContext.Provider value={session}>
            <SessionLive session={session}>{page}</SessionLive>
          </SessionContext.Provider>
        )}
      </main>
      <footer class="site-footer">
        <p>
          worker-health · the GraphQL API is at <code>/graphql</code> · your key stays in this browser
        </p>
      </footer>
    </>
  );
}
