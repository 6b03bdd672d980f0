/**
 * The fleet at a glance: open alerts first, the fleet's score, trend and uptime, every worker's
 * latest status, score, uptime and sparkline, runs in flight (live) and the latest runs.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  AcknowledgeAlertDocument,
  DashboardFleetDocument,
  DashboardFleetEventsDocument,
  InitiateHealthCheckDocument,
  WorkerTrendDocument,
  type DashboardAlertFieldsFragment,
  type DashboardFleetEventsSubscription,
  type DashboardFleetQuery,
  type WorkerTrendQuery,
} from '../../client/generated/graphql';
import { href, useLive, useSession } from './context';
import { formatPercent, formatScore, shortId, titleCase, WINDOW_LABELS } from './format';
import { LiveIndicator, useSubscription } from './live';
import { describeError, isAuthFailure } from './session';
import { BandBadge, ErrorMessage, Loading, Score, Sparkline, StatusBadge, Time, useTitle } from './ui';

type WorkerTrend = WorkerTrendQuery['workerTrend'];
type InFlight = DashboardFleetEventsSubscription['healthCheckUpdated']['healthCheck'];

/** Runs `task` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

export function FleetPage() {
  useTitle('Fleet');
  const { client, canOperate, keyRefused } = useSession();
  const [fleet, setFleet] = useState<DashboardFleetQuery | null>(null);
  const [trends, setTrends] = useState<Record<string, WorkerTrend | null>>({});
  const [error, setError] = useState<string | null>(null);
  const [inFlight, setInFlight] = useState<Record<string, InFlight>>({});
  const [starting, setStarting] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const loading = useRef<AbortController | null>(null);

  const load = useCallback(async () => {
    loading.current?.abort();
    const abort = new AbortController();
    loading.current = abort;
    try {
      const data = await client.request(DashboardFleetDocument, { runs: 10 }, { signal: abort.signal });
      if (abort.signal.aborted) return;
      setFleet(data);
      setError(null);
      await eachLimited(data.workers, 6, async (worker) => {
        const trend = await client
          .request(WorkerTrendDocument, { workerName: worker.name, lastChecks: 30 }, { signal: abort.signal })
          .then((answer) => answer.workerTrend)
          .catch(() => null);
        if (!abort.signal.aborted) setTrends((current) => ({ ...current, [worker.name]: trend }));
      });
    } catch (failure) {
      if (abort.signal.aborted) return;
      if (isAuthFailure(failure)) return keyRefused();
      setError(describeError(failure));
    }
  }, [client, keyRefused]);

  useEffect(() => {
    void load();
    return () => loading.current?.abort();
  }, [load]);

  // One re-read for a burst of events (a run's COMPLETED, its alerts opening).
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reloadSoon = useCallback(() => {
    clearTimeout(reloadTimer.current);
    reloadTimer.current = setTimeout(() => void load(), 400);
  }, [load]);
  useEffect(() => () => clearTimeout(reloadTimer.current), []);
  const connectedBefore = useRef(false);

  const liveRuns = useSubscription(
    client,
    DashboardFleetEventsDocument,
    {},
    {
      onData: ({ healthCheckUpdated: event }) => {
        const run = event.healthCheck;
        setInFlight((current) => {
          const next = { ...current };
          if (run.status === 'RUNNING') next[run.uuid] = run;
          else delete next[run.uuid];
          return next;
        });
        // A new run shows in "Running now" from the event itself; its end changes everything.
        if (event.type === 'COMPLETED') reloadSoon();
      },
      // After a reconnection, what the socket may have missed.
      onConnected: () => {
        if (connectedBefore.current) reloadSoon();
        connectedBefore.current = true;
      },
      onAuthFailure: keyRefused,
    },
    'fleet',
  );
  // Alerts as they open, change or resolve (the session's subscription, in app.tsx).
  const { alertChanges } = useLive();
  const seenAlertChanges = useRef(alertChanges);
  useEffect(() => {
    if (alertChanges === seenAlertChanges.current) return;
    seenAlertChanges.current = alertChanges;
    reloadSoon();
  }, [alertChanges, reloadSoon]);

  const start = async () => {
    setStarting(true);
    setActionError(null);
    try {
      const { initiateHealthCheck } = await client.request(InitiateHealthCheckDocument, { input: { triggerSource: 'dashboard' } });
      window.location.hash = href.run(initiateHealthCheck.healthCheckUuid);
    } catch (failure) {
      if (isAuthFailure(failure)) return keyRefused();
      setActionError(describeError(failure));
      setStarting(false);
    }
  };

  const acknowledge = async (alert: DashboardAlertFieldsFragment) => {
    setActionError(null);
    try {
      await client.request(AcknowledgeAlertDocument, { id: alert.id });
      await load();
    } catch (failure) {
      if (isAuthFailure(failure)) return keyRefused();
      setActionError(`Could not acknowledge the alert on ${alert.workerName ?? 'the fleet'}: ${describeError(failure)}`);
    }
  };

  const running = Object.values(inFlight);
  const latestFleet = fleet?.fleetTrend.history.at(-1);

  return (
    <>
      <div class="page-head">
        <div>
          <h1 tabIndex={-1}>Fleet</h1>
          <p class="muted">Every worker's latest check, open alerts first.</p>
        </div>
        {canOperate && (
          <div class="page-actions">
            <button type="button" class="button button-primary" onClick={start} disabled={starting}>
              {starting ? 'Starting…' : 'Start a check'}
            </button>
          </div>
        )}
      </div>
      {!canOperate && (
        <p class="notice notice-info">Your key is a viewer key: it reads everything. Starting checks and acknowledging alerts need an operator key.</p>
      )}
      {actionError && <ErrorMessage error={actionError} />}
      <LiveIndicator state={liveRuns} what="runs" />
      {running.length > 0 && (
        <section aria-labelledby="in-flight-heading" class="card in-flight">
          <h2 id="in-flight-heading">Running now</h2>
          <ul class="plain">
            {running.map((run) => (
              <li key={run.uuid}>
                <a href={href.run(run.uuid)}>Run {shortId(run.uuid)}</a>: {run.completedWorkers} of {run.totalWorkers} workers reported
                <progress max={run.totalWorkers} value={run.completedWorkers} aria-label={`Run ${shortId(run.uuid)} progress`} />
              </li>
            ))}
          </ul>
        </section>
      )}
      {error && <ErrorMessage error={`Could not read the fleet: ${error}`} />}
      {!fleet && !error && <Loading what="the fleet" />}
      {fleet && (
        <>
          <AlertsSection fleet={fleet} canOperate={canOperate} onAcknowledge={acknowledge} />
          <section aria-labelledby="overview-heading">
            <h2 id="overview-heading">Fleet health</h2>
            <div class="stats">
              <div class="stat card">
                <span class="stat-label">Latest fleet score</span>
                <span class="stat-value">
                  <Score score={latestFleet?.score} band={latestFleet?.healthStatus ?? null} />
                </span>
                {latestFleet ? <BandBadge band={latestFleet.healthStatus} /> : <span class="muted">No finished run yet</span>}
              </div>
              {fleet.fleetTrend.uptime.map((window) => (
                <div class="stat card" key={window.window}>
                  <span class="stat-label">Uptime {WINDOW_LABELS[window.window]}</span>
                  <span class="stat-value">{formatPercent(window.uptimePercent)}</span>
                  <span class="muted">{window.checks} worker checks</span>
                </div>
              ))}
              <div class="stat card stat-wide">
                <span class="stat-label">
                  Trend over {fleet.fleetTrend.history.length} {fleet.fleetTrend.history.length === 1 ? 'run' : 'runs'}
                </span>
                <Sparkline scores={fleet.fleetTrend.history.map((point) => point.score)} label={`Fleet score over its last ${fleet.fleetTrend.history.length} runs`} />
                <span class="muted">{fleet.fleetTrend.trend.description}</span>
                {fleet.fleetTrend.prediction && <span class="prediction">{fleet.fleetTrend.prediction.explanation}</span>}
              </div>
            </div>
          </section>
          <WorkersSection fleet={fleet} trends={trends} />
          <RunsSection fleet={fleet} />
        </>
      )}
    </>
  );
}

function AlertsSection({ fleet, canOperate, onAcknowledge }: { fleet: DashboardFleetQuery; canOperate: boolean; onAcknowledge: (alert: DashboardAlertFieldsFragment) => Promise<void> }) {
  const open = fleet.openAlerts.edges.map((edge) => edge.node);
  const acknowledged = fleet.acknowledgedAlerts.edges.map((edge) => edge.node);
  return (
    <section aria-labelledby="alerts-heading" class="alerts">
      <h2 id="alerts-heading">
        Open alerts <span class="count">{fleet.openAlerts.totalCount}</span>
      </h2>
      {open.length === 0 && <p class="muted">No open alerts.</p>}
      {open.length > 0 && (
        <ul class="alert-list">
          {open.map((alert) => (
            <AlertItem key={alert.id} alert={alert} canOperate={canOperate} onAcknowledge={onAcknowledge} />
          ))}
        </ul>
      )}
      {acknowledged.length > 0 && (
        <details class="acknowledged">
          <summary>
            Acknowledged, still unresolved <span class="count">{fleet.acknowledgedAlerts.totalCount}</span>
          </summary>
          <ul class="alert-list">
            {acknowledged.map((alert) => (
              <AlertItem key={alert.id} alert={alert} canOperate={false} onAcknowledge={onAcknowledge} />
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function AlertItem({ alert, canOperate, onAcknowledge }: { alert: DashboardAlertFieldsFragment; canOperate: boolean; onAcknowledge: (alert: DashboardAlertFieldsFragment) => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const subject = alert.workerName ?? 'The fleet';
  return (
    <li class={`alert-item card alert-${alert.status.toLowerCase()}`}>
      <div class="alert-main">
        <p class="alert-title">
          <StatusBadge status={alert.status} /> {alert.workerName ? <a href={href.worker(alert.workerName)}>{subject}</a> : <strong>{subject}</strong>}{' '}
          <span class="muted">rule {alert.rule}</span>
          {alert.flapping && <span class="badge status-wait">Flapping</span>}
        </p>
        {alert.summary && <p>{alert.summary}</p>}
        <p class="muted small">
          {alert.healthStatus && (
            <>
              <BandBadge band={alert.healthStatus} /> score {formatScore(alert.score)} ·{' '}
            </>
          )}
          opened <Time iso={alert.openedAt} />
          {alert.acknowledgedAt && (
            <>
              {' '}
              · acknowledged <Time iso={alert.acknowledgedAt} /> by {alert.acknowledgedBy ?? 'someone'}
            </>
          )}
          {alert.affectedWorkers.length > 0 && <> · also affects {alert.affectedWorkers.join(', ')}</>}
          {alert.healthCheckUuid && (
            <>
              {' '}
              · <a href={href.run(alert.healthCheckUuid)}>latest run</a>
            </>
          )}
        </p>
      </div>
      {canOperate && alert.status === 'OPEN' && (
        <button
          type="button"
          class="button"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            await onAcknowledge(alert);
            setBusy(false);
          }}
        >
          Acknowledge<span class="visually-hidden"> the alert on {subject}</span>
        </button>
      )}
    </li>
  );
}

function WorkersSection({ fleet, trends }: { fleet: DashboardFleetQuery; trends: Record<string, WorkerTrend | null> }) {
  return (
    <section aria-labelledby="workers-heading">
      <h2 id="workers-heading">
        Workers <span class="count">{fleet.workers.length}</span>
      </h2>
      {fleet.workers.length === 0 && <p class="muted">No workers registered yet: register one with <code>worker-health workers register</code>.</p>}
      {fleet.workers.length > 0 && (
        <div class="table-wrap">
          <table class="table responsive workers-table">
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">Latest</th>
                <th scope="col">Score</th>
                <th scope="col">Uptime 24 h</th>
                <th scope="col">Uptime 7 d</th>
                <th scope="col">Trend</th>
                <th scope="col">Last check</th>
              </tr>
            </thead>
            <tbody>
              {fleet.workers.map((worker) => {
                const trend = trends[worker.name];
                const last = trend?.history.at(-1);
                const uptime = (name: string) => trend?.uptime.find((window) => window.window === name)?.uptimePercent;
                const scores = trend?.history.map((point) => point.score) ?? [];
                return (
                  <tr key={worker.name} data-worker={worker.name}>
                    <th scope="row" data-label="Worker">
                      <a href={href.worker(worker.name)}>{worker.name}</a>
                      <span class="muted small block">
                        {worker.type}
                        {!worker.enabled && ' · disabled'}
                      </span>
                    </th>
                    <td data-label="Latest">{trend === undefined ? <span class="muted">…</span> : last ? <BandBadge band={last.healthStatus} /> : <span class="muted">No checks yet</span>}</td>
                    <td data-label="Score">{last ? <Score score={last.score} band={last.healthStatus} /> : '–'}</td>
                    <td data-label="Uptime 24 h">{formatPercent(uptime('LAST_24_HOURS'))}</td>
                    <td data-label="Uptime 7 d">{formatPercent(uptime('LAST_7_DAYS'))}</td>
                    <td data-label="Trend">
                      {trend && scores.length > 0 ? (
                        <span class="trend-cell">
                          <Sparkline scores={scores} label={`${worker.name}'s last ${scores.length} scores: ${scores.map(formatScore).join(', ')}`} />
                          <span class="muted small">{titleCase(trend.trend.direction)}</span>
                        </span>
                      ) : (
                        '–'
                      )}
                    </td>
                    <td data-label="Last check">
                      {last ? (
                        <a href={href.run(last.healthCheckUuid)}>
                          <Time iso={last.at} />
                        </a>
                      ) : (
                        '–'
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RunsSection({ fleet }: { fleet: DashboardFleetQuery }) {
  const runs = fleet.healthChecks.edges.map((edge) => edge.node);
  return (
    <section aria-labelledby="runs-heading">
      <h2 id="runs-heading">Latest runs</h2>
      {runs.length === 0 && <p class="muted">No runs yet.</p>}
      {runs.length > 0 && (
        <div class="table-wrap">
          <table class="table responsive runs-table">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Started</th>
                <th scope="col">Trigger</th>
                <th scope="col">Status</th>
                <th scope="col">Score</th>
                <th scope="col">Workers passed</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.uuid}>
                  <th scope="row" data-label="Run">
                    <a href={href.run(run.uuid)} title={run.uuid}>
                      {shortId(run.uuid)}
                    </a>
                  </th>
                  <td data-label="Started">
                    <Time iso={run.startedAt} />
                  </td>
                  <td data-label="Trigger">
                    {titleCase(run.triggerType)}
                    {run.triggerSource && <span class="muted small block">{run.triggerSource}</span>}
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={run.status} />
                  </td>
                  <td data-label="Score">
                    {run.healthStatus ? (
                      <>
                        <Score score={run.overallHealthScore} band={run.healthStatus} /> <BandBadge band={run.healthStatus} />
                      </>
                    ) : (
                      '–'
                    )}
                  </td>
                  <td data-label="Workers passed">
                    {run.passedWorkers} of {run.totalWorkers}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
