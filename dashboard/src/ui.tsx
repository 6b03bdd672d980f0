/** The dashboard's small shared pieces: badges, times, charts, recommendations, states. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { HealthStatus, RecommendationFieldsFragment } from '../../client/generated/graphql';
import { BANDS, bandLabel, bandOf, formatDateTime, formatRelative, formatScore, formatShortDate, SEVERITIES, titleCase } from './format';
import { linePath, scale, sparklinePoints, type Box, type ScorePoint } from './chart';

export function BandBadge({ band }: { band: HealthStatus | null | undefined }) {
  return <span class={`badge band-${(band ?? 'none').toLowerCase()}`}>{bandLabel(band)}</span>;
}

const STATUS_TONE: Record<string, string> = {
  COMPLETED: 'done',
  RUNNING: 'live',
  PENDING: 'wait',
  FAILED: 'bad',
  TIMEOUT: 'bad',
  CANCELLED: 'wait',
  OPEN: 'bad',
  ACKNOWLEDGED: 'wait',
  RESOLVED: 'done',
  PASSED: 'done',
  SKIPPED: 'wait',
};

/** A run's, a worker check's, a test's or an alert's status, in words (never colour alone). */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${STATUS_TONE[status] ?? 'wait'}`}>{titleCase(status)}</span>;
}

export function Score({ score, band }: { score: number | null | undefined; band?: HealthStatus | null }) {
  const shown = band === undefined && score !== null && score !== undefined ? bandOf(score) : band;
  return <span class={`score band-text-${(shown ?? 'none').toLowerCase()}`}>{formatScore(score)}</span>;
}

/** A time as "3 minutes ago", the exact time on hover and for assistive technology. */
export function Time({ iso }: { iso: string | null | undefined }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, []);
  if (!iso) return <span>–</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso)}
    </time>
  );
}

/** A worker's last scores, one point per check, 0 to 1. */
export function Sparkline({ scores, label }: { scores: readonly number[]; label: string }) {
  const width = 120;
  const height = 28;
  if (scores.length === 0) return <span class="muted">No checks yet</span>;
  const points = sparklinePoints(scores, width, height);
  const last = points[points.length - 1]!;
  const band = bandOf(scores[scores.length - 1]!).toLowerCase();
  return (
    <svg class="sparkline" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={label}>
      <line class="spark-band" x1="0" x2={width} y1={2 + 0.1 * (height - 4)} y2={2 + 0.1 * (height - 4)} />
      <line class="spark-band" x1="0" x2={width} y1={2 + 0.3 * (height - 4)} y2={2 + 0.3 * (height - 4)} />
      {points.length > 1 && <path class="spark-line" d={linePath(points)} />}
      <circle class={`dot band-fill-${band}`} cx={last.x} cy={last.y} r="3" />
    </svg>
  );
}

export interface ChartPoint extends ScorePoint {
  band: HealthStatus;
  label: string;
  href?: string;
}

/**
 * Score over time with the health bands shaded (0.9 / 0.7 / 0.4), each check a dot (a link to its
 * run when given). The figure's caption and the table beside it carry the same data in words.
 */
export function ScoreChart({ points, caption }: { points: readonly ChartPoint[]; caption: string }) {
  const box: Box = { width: 760, height: 250, left: 40, right: 88, top: 10, bottom: 30 };
  if (points.length === 0) return <p class="muted">No finished checks yet: the chart starts with the first.</p>;
  const { points: scaled, y } = scale(points, box);
  const right = box.width - box.right;
  const bottom = box.height - box.bottom;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const bands = BANDS.map((entry, index) => ({ ...entry, top: index === 0 ? 1 : BANDS[index - 1]!.floor }));
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${box.width} ${box.height}`} role="img" aria-labelledby="chart-caption">
        {bands.map((entry) => (
          <g key={entry.band}>
            <rect class={`band-area band-fill-soft-${entry.band.toLowerCase()}`} x={box.left} width={right - box.left} y={y(entry.top)} height={y(entry.floor) - y(entry.top)} />
            <text class="band-label" x={right + 8} y={(y(entry.top) + y(entry.floor)) / 2 + 4}>
              {entry.label}
            </text>
          </g>
        ))}
        {[0.9, 0.7, 0.4].map((threshold) => (
          <g key={threshold}>
            <line class="threshold" x1={box.left} x2={right} y1={y(threshold)} y2={y(threshold)} />
          </g>
        ))}
        {[0, 0.4, 0.7, 0.9, 1].map((tick) => (
          <text key={tick} class="axis-label" x={box.left - 6} y={y(tick) + 4} text-anchor="end">
            {tick.toFixed(1)}
          </text>
        ))}
        <line class="axis" x1={box.left} x2={right} y1={bottom} y2={bottom} />
        <text class="axis-label" x={box.left} y={box.height - 10}>
          {formatShortDate(first.t)}
        </text>
        {points.length > 1 && (
          <text class="axis-label" x={right} y={box.height - 10} text-anchor="end">
            {formatShortDate(last.t)}
          </text>
        )}
        {scaled.length > 1 && <path class="chart-line" d={linePath(scaled)} />}
        {scaled.map((point, index) => {
          const dot = (
            <circle class={`dot band-fill-${points[index]!.band.toLowerCase()}`} cx={point.x} cy={point.y} r="4.5">
              <title>{points[index]!.label}</title>
            </circle>
          );
          const href = points[index]!.href;
          return href ? (
            <a key={index} href={href} aria-label={points[index]!.label}>
              {dot}
            </a>
          ) : (
            <g key={index}>{dot}</g>
          );
        })}
      </svg>
      <figcaption id="chart-caption">{caption}</figcaption>
    </figure>
  );
}

/** Recommendations grouped by severity, most severe first. */
export function Recommendations({ items, showWorker = true, headingLevel = 3 }: { items: readonly RecommendationFieldsFragment[]; showWorker?: boolean; headingLevel?: 3 | 4 }) {
  if (items.length === 0) return <p class="muted">No recommendations.</p>;
  const Heading = headingLevel === 3 ? 'h3' : 'h4';
  return (
    <div class="recommendations">
      {SEVERITIES.filter((severity) => items.some((item) => item.severity === severity)).map((severity) => (
        <section key={severity} class={`severity-group group-${severity.toLowerCase()}`} aria-label={`${titleCase(severity)} severity`}>
          <Heading class="severity-heading">
            <span class={`badge severity-badge severity-${severity.toLowerCase()}`}>{titleCase(severity)}</span>
            <span class="muted"> {items.filter((item) => item.severity === severity).length}</span>
          </Heading>
          <ul>
            {items
              .filter((item) => item.severity === severity)
              .map((item, index) => (
                <li key={index}>
                  {showWorker && <strong class="rec-worker">{item.workerName ?? 'Fleet'}: </strong>}
                  {item.text}
                </li>
              ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

export function ErrorMessage({ error, children }: { error: string; children?: ComponentChildren }) {
  return (
    <div class="notice notice-error" role="alert">
      <p>{error}</p>
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** Sets the document's title for the page shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · worker-health`;
  }, [title]);
}
