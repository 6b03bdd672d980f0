/**
 * How the dashboard writes numbers, times and names. Pure: no DOM, so it typechecks with the
 * orchestrator's configuration as well as the dashboard's.
 */
import type { HealthStatus, RecommendationSeverity, UptimeWindowName } from '../../client/generated/graphql';

/** The bands of README "Scores", best first: a score at or above `floor` is in the band. */
export const BANDS: readonly { band: HealthStatus; floor: number; label: string }[] = [
  { band: 'HEALTHY', floor: 0.9, label: 'Healthy' },
  { band: 'DEGRADED', floor: 0.7, label: 'Degraded' },
  { band: 'UNHEALTHY', floor: 0.4, label: 'Unhealthy' },
  { band: 'CRITICAL', floor: 0, label: 'Critical' },
];

export function bandOf(score: number): HealthStatus {
  return (BANDS.find((entry) => score >= entry.floor) ?? BANDS[BANDS.length - 1]!).band;
}

export function bandLabel(band: HealthStatus | null | undefined): string {
  return BANDS.find((entry) => entry.band === band)?.label ?? 'In progress';
}

/** A score in [0, 1] as the API's bands are written: two decimals ("0.87"). */
export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined ? '–' : score.toFixed(2);
}

export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined) return '–';
  return `${Number(value.toFixed(digits))}%`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const STEPS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Infinity],
];

/** "5 minutes ago", "in 3 days". */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '–';
  let value = (Date.parse(iso) - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return iso;
}

const absolute = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'medium' });
const short = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? absolute.format(new Date(iso)) : '–';
}

export function formatShortDate(iso: string | number): string {
  return short.format(new Date(iso));
}

export const WINDOW_LABELS: Record<UptimeWindowName, string> = {
  LAST_24_HOURS: '24 h',
  LAST_7_DAYS: '7 d',
  LAST_30_DAYS: '30 d',
};

/** Most severe first, as the API ranks them. */
export const SEVERITIES: readonly RecommendationSeverity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];

export function titleCase(value: string): string {
  const lower = value.toLowerCase().replace(/_/g, ' ');
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}

/** The first 8 characters of a uuid, as a label (the whole uuid stays in links and titles). */
export function shortId(uuid: string): string {
  return uuid.slice(0, 8);
}
