/**
 * A worker's page: its score over time as a chart with the health bands, uptime over 24 h / 7 d /
 * 30 d, the trend and the prediction when the fit supports one, and its recent checks.
 */
import { useEffect, useState } from 'preact/hooks';
import { WorkerTrendDocument, type WorkerTrendQuery } from '../../client/generated/graphql';
import { href, useSession } from './context';
import { bandLabel, formatDateTime, formatPercent, formatScore, shortId, titleCase, WINDOW_LABELS } from './format';
import { describeError, isAuthFailure } from './session';
import { BandBadge, ErrorMessage, Loading, Score, ScoreChart, StatusBadge, Time, useTitle, type ChartPoint } from './ui';

type Trend = WorkerTrendQuery['workerTrend'];

export function WorkerPage({ name }: { name: string }) {
  useTitle(name);
  const { client, keyRefused } = useSession();
  const [trend, setTrend] = useState<Trend | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    client
      .request(WorkerTrendDocument, { workerName: name, lastChecks: 100 }, { signal: abort.signal })
      .then(({ workerTrend }) => setTrend(workerTrend))
      .catch((failure: unknown) => {
        if (abort.signal.aborted) return;
        if (isAuthFailure(failure)) return keyRefused();
        setError(describeError(failure));
      });
    return () => abort.abort();
  }, [client, name, keyRefused]);

  const points: ChartPoint[] =
    trend?.history.map((point) => ({
      t: Date.parse(point.at),
      score: point.score,
      band: point.healthStatus,
      label: `${formatDateTime(point.at)}: ${formatScore(point.score)} (${bandLabel(point.healthStatus).toLowerCase()}, ${titleCase(point.status).toLowerCase()})`,
      href: href.run(point.healthCheckUuid),
    })) ?? [];
  const latest = trend?.history.at(-1);
  const recent = trend ? [...trend.history].reverse().slice(0, 15) : [];
  const scores = trend?.history.map((point) => point.score) ?? [];
  const caption = trend
    ? trend.history.length === 0
      ? `${name} has no finished checks yet.`
      : `${name}'s score over its last ${trend.history.length} checks, from ${formatScore(scores[0])} to ${formatScore(scores.at(-1))} (lowest ${formatScore(Math.min(...scores))}, highest ${formatScore(Math.max(...scores))}). Bands: healthy from 0.9, degraded from 0.7, unhealthy from 0.4, critical below. ${trend.trend.description}`
    : '';

  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href={href.fleet()}>Fleet</a> <span aria-hidden="true">›</span> <span aria-current="page">{name}</span>
      </nav>
      <div class="page-head">
        <div>
          <h1 tabIndex={-1}>
            {name} {latest && <BandBadge band={latest.healthStatus} />}
          </h1>
          {latest && (
            <p class="muted">
              Latest score <Score score={latest.score} band={latest.healthStatus} />, checked <Time iso={latest.at} />
            </p>
          )}
        </div>
      </div>
      {error && <ErrorMessage error={`Could not read ${name}'s history: ${error}`} />}
      {!trend && !error && <Loading what={`${name}'s history`} />}
      {trend && (
        <>
          <section aria-labelledby="chart-heading" class="card">
            <h2 id="chart-heading">Score over time</h2>
            <ScoreChart points={points} caption={caption} />
          </section>
          <section aria-labelledby="uptime-heading">
            <h2 id="uptime-heading">Uptime</h2>
            <div class="stats">
              {trend.uptime.map((window) => (
                <div class="stat card" key={window.window}>
                  <span class="stat-label">Last {WINDOW_LABELS[window.window]}</span>
                  <span class="stat-value">{formatPercent(window.uptimePercent)}</span>
                  <span class="muted small">
                    {window.upChecks} of {window.checks} checks completed; {formatPercent(window.healthyRatio === null ? null : window.healthyRatio * 100)} healthy
                  </span>
                </div>
              ))}
            </div>
          </section>
          <section aria-labelledby="trend-heading">
            <h2 id="trend-heading">Trend and prediction</h2>
            <p>
              <strong>{titleCase(trend.trend.direction)}.</strong> {trend.trend.description}
            </p>
            {trend.prediction ? (
              <div class="notice notice-warn">
                <p>
                  <strong>
                    Expected to fall from {bandLabel(trend.prediction.fromBand).toLowerCase()} into {bandLabel(trend.prediction.intoBand).toLowerCase()}{' '}
                    around {formatDateTime(trend.prediction.expectedAt)}
                  </strong>{' '}
                  ({titleCase(trend.prediction.confidence).toLowerCase()} confidence).
                </p>
                <p>{trend.prediction.explanation}</p>
              </div>
            ) : (
              <p class="muted">No prediction{trend.predictionNote ? `: ${trend.predictionNote}` : '.'}</p>
            )}
          </section>
          <section aria-labelledby="recent-heading">
            <h2 id="recent-heading">Recent checks</h2>
            {recent.length === 0 ? (
              <p class="muted">No finished checks yet.</p>
            ) : (
              <div class="table-wrap">
                <table class="table responsive">
                  <thead>
                    <tr>
                      <th scope="col">Checked</th>
                      <th scope="col">Run</th>
                      <th scope="col">Status</th>
                      <th scope="col">Score</th>
                    </tr>
                  </thead>
                  <tbody>
                    {recent.map((point) => (
                      <tr key={point.workerCheckUuid}>
                        <th scope="row" data-label="Checked">
                          <Time iso={point.at} />
                        </th>
                        <td data-label="Run">
                          <a href={href.run(point.healthCheckUuid)} title={point.healthCheckUuid}>
                            {shortId(point.healthCheckUuid)}
                          </a>
                        </td>
                        <td data-label="Status">
                          <StatusBadge status={point.status} />
                        </td>
                        <td data-label="Score">
                          <Score score={point.score} band={point.healthStatus} /> <BandBadge band={point.healthStatus} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
