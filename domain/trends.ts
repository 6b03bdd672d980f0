/**
 * Score trends, uptime and a simple prediction (the seed's planned "Predictive Analysis"), over a
 * history of scores (a worker's checks, or the fleet's runs of one worker set). Pure.
 *
 * **Trend.** An ordinary least-squares line through the points, score against time in days:
 * `slopePerDay`, the fitted change over the window (`slope × span`), and R², the share of the
 * scores' variance the line explains. The direction is
 * - `unclear` with fewer than TREND_MIN_POINTS points, or spanning less than TREND_MIN_SPAN_MS
 *   (an hour: a burst of checks says nothing about a rate per day);
 * - `flat` when the fitted change over the window is smaller than FLAT_CHANGE;
 * - `rising` / `falling` when it is larger and the line explains at least TREND_MIN_R2 of the
 *   variance, else `unclear` (the scores move, but not along a line).
 *
 * **Prediction.** When the last score is in a band with a worse one below it, the line is followed
 * to the day it falls below that band's floor. It is stated only when the fit supports it:
 * at least PREDICTION_MIN_POINTS points over at least TREND_MIN_SPAN_MS, a falling line (slope below zero, fitted change of at
 * least FLAT_CHANGE), R² of at least PREDICTION_MIN_R2, a crossing after the last point, and no
 * further ahead of the last point than the history reaches back (it never extrapolates beyond the
 * span it was fitted on). Confidence is `high` from HIGH_CONFIDENCE_R2 with at least
 * HIGH_CONFIDENCE_POINTS points, else `medium`. Otherwise it says why there is none.
 *
 * **Uptime.** Of a window's checks that count against the worker (not cancelled, see
 * domain/failure-causes.ts), `up` ones completed (the worker was reached and reported) and
 * `healthy` ones completed with a score in the healthy band: uptime % = up / checks × 100,
 * healthy ratio = healthy / checks; both null without checks.
 */
import type { HealthStatus } from '../db/worker-health-checks';
import { HEALTH_STATUS_THRESHOLDS, healthStatusFor } from './health-status';
import { roundScore } from './scoring';

export const TREND_MIN_POINTS = 3;
/** Points closer together than this (an hour) are too short a window for a trend or a prediction. */
export const TREND_MIN_SPAN_MS = 3_600_000;
export const TREND_MIN_R2 = 0.3;
/** A fitted change over the whole window smaller than this is flat. */
export const FLAT_CHANGE = 0.02;
export const PREDICTION_MIN_POINTS = 5;
export const PREDICTION_MIN_R2 = 0.5;
export const HIGH_CONFIDENCE_R2 = 0.8;
export const HIGH_CONFIDENCE_POINTS = 10;

const DAY_MS = 86_400_000;

export interface ScorePoint {
  at: Date;
  score: number;
}

export interface LineFit {
  /** Score change per day. */
  slopePerDay: number;
  /** The fitted score at the first point's time. */
  intercept: number;
  /** Share of the variance explained, in [0, 1]; 1 for points that all have the same score. */
  rSquared: number;
  points: number;
  firstAt: Date;
  lastAt: Date;
}

/** The least-squares line of score against time in days since the first point; null when it cannot be fitted. */
export function fitLine(points: readonly ScorePoint[]): LineFit | null {
  if (points.length < 2) return null;
  const sorted = [...points].sort((a, b) => a.at.getTime() - b.at.getTime());
  const t0 = sorted[0]!.at.getTime();
  const xs = sorted.map((p) => (p.at.getTime() - t0) / DAY_MS);
  const ys = sorted.map((p) => p.score);
  const n = sorted.length;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - meanX;
    const dy = ys[i]! - meanY;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const rSquared = syy === 0 ? 1 : Math.min(1, (sxy * sxy) / (sxx * syy));
  return { slopePerDay: slope, intercept: meanY - slope * meanX, rSquared, points: n, firstAt: sorted[0]!.at, lastAt: sorted[n - 1]!.at };
}

export type TrendDirection = 'rising' | 'falling' | 'flat' | 'unclear';

export interface Trend {
  direction: TrendDirection;
  /** Null when no line could be fitted. */
  fit: LineFit | null;
  /** The fitted change from the first point to the last. */
  change: number | null;
  description: string;
}

function spanDays(fit: LineFit): number {
  return (fit.lastAt.getTime() - fit.firstAt.getTime()) / DAY_MS;
}

/** A score change with its sign: +0.012, −0.03, ±0. */
export function signed(value: number): string {
  const rounded = roundScore(value);
  return `${rounded > 0 ? '+' : rounded < 0 ? '−' : '±'}${Math.abs(rounded)}`;
}

/** R² to 2 decimals. */
export function r2(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Whether the fitted change over a window is too small to call a trend. */
export function isFlat(change: number): boolean {
  return Math.abs(change) < FLAT_CHANGE;
}

export function trendOf(points: readonly ScorePoint[]): Trend {
  const fit = points.length >= TREND_MIN_POINTS ? fitLine(points) : null;
  if (!fit) {
    return {
      direction: 'unclear',
      fit: null,
      change: null,
      description:
        points.length < TREND_MIN_POINTS
          ? `Too few points for a trend (${points.length}; at least ${TREND_MIN_POINTS} are needed).`
          : 'No trend: every point is at the same time.',
    };
  }
  if (fit.lastAt.getTime() - fit.firstAt.getTime() < TREND_MIN_SPAN_MS) {
    return { direction: 'unclear', fit: null, change: null, description: 'No trend: the points span less than an hour.' };
  }
  const change = fit.slopePerDay * spanDays(fit);
  const over = `over ${fit.points} points`;
  if (isFlat(change)) {
    return { direction: 'flat', fit, change, description: `Flat ${over}: the fitted change is ${signed(change)} (less than ${FLAT_CHANGE}).` };
  }
  if (fit.rSquared < TREND_MIN_R2) {
    return {
      direction: 'unclear',
      fit,
      change,
      description: `No clear trend ${over}: the scores vary, but a line explains only ${r2(fit.rSquared)} of it (R² below ${TREND_MIN_R2}).`,
    };
  }
  const direction = change > 0 ? 'rising' : 'falling';
  return {
    direction,
    fit,
    change,
    description: `${direction === 'rising' ? 'Rising' : 'Falling'} ${over}: ${signed(fit.slopePerDay)} a day, ${signed(change)} over the window (R² ${r2(fit.rSquared)}).`,
  };
}

export type PredictionConfidence = 'high' | 'medium';

export interface BandPrediction {
  fromBand: HealthStatus;
  intoBand: HealthStatus;
  /** The floor of the current band: the line falls below it at `expectedAt`. */
  threshold: number;
  expectedAt: Date;
  confidence: PredictionConfidence;
  fit: LineFit;
  explanation: string;
}

export type PredictionResult = { prediction: BandPrediction; reason: null } | { prediction: null; reason: string };

/** The next worse band below `status` and the floor it starts under, or null for the worst. */
export function nextWorseBand(status: HealthStatus): { band: HealthStatus; threshold: number } | null {
  const index = HEALTH_STATUS_THRESHOLDS.findIndex((band) => band.status === status);
  const below = HEALTH_STATUS_THRESHOLDS[index + 1];
  if (index < 0 || !below) return null;
  return { band: below.status, threshold: HEALTH_STATUS_THRESHOLDS[index]!.min };
}

function isoMinute(at: Date): string {
  return at.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** When the points' line would cross into the next worse band, if the fit supports saying so. */
export function predictBandCrossing(points: readonly ScorePoint[]): PredictionResult {
  const none = (reason: string): PredictionResult => ({ prediction: null, reason });
  if (points.length < PREDICTION_MIN_POINTS) {
    return none(`Too few checks to predict (${points.length}; at least ${PREDICTION_MIN_POINTS} are needed).`);
  }
  const sorted = [...points].sort((a, b) => a.at.getTime() - b.at.getTime());
  const last = sorted[sorted.length - 1]!;
  const fromBand = healthStatusFor(last.score);
  const next = nextWorseBand(fromBand);
  if (!next) return none('Already in the critical band: there is no worse band to predict.');
  const fit = fitLine(sorted);
  if (!fit || fit.lastAt.getTime() - fit.firstAt.getTime() < TREND_MIN_SPAN_MS) {
    return none('No prediction: the checks span less than an hour.');
  }
  const span = spanDays(fit);
  const change = fit.slopePerDay * span;
  if (fit.slopePerDay >= 0 || isFlat(change)) return none(`No fall to predict: the score is ${fit.slopePerDay > 0 && !isFlat(change) ? 'rising' : 'flat'}.`);
  if (fit.rSquared < PREDICTION_MIN_R2) {
    return none(`No prediction: the scores fall, but too unevenly for a line to say when (R² ${r2(fit.rSquared)}, below ${PREDICTION_MIN_R2}).`);
  }
  const crossingDays = (next.threshold - fit.intercept) / fit.slopePerDay;
  const lastDays = span;
  if (crossingDays <= lastDays) {
    return none(`No prediction: the fitted line is already below ${next.threshold} while the last score (${roundScore(last.score)}) is not.`);
  }
  if (crossingDays - lastDays > span) {
    return none(`No prediction: at this rate the score would fall below ${next.threshold} further ahead than the ${fit.points} checks reach back.`);
  }
  // To the minute: a line through a few checks says no more than that.
  const expectedAt = new Date(Math.round((fit.firstAt.getTime() + crossingDays * DAY_MS) / 60_000) * 60_000);
  const confidence: PredictionConfidence = fit.rSquared >= HIGH_CONFIDENCE_R2 && fit.points >= HIGH_CONFIDENCE_POINTS ? 'high' : 'medium';
  const explanation =
    `At the rate of its last ${fit.points} checks (${signed(fit.slopePerDay)} a day, a least-squares line with R² ${r2(fit.rSquared)}), ` +
    `the score would fall below ${next.threshold}, into the ${next.band} band, around ${isoMinute(expectedAt)}; ` +
    (confidence === 'high'
      ? `confidence high (R² of at least ${HIGH_CONFIDENCE_R2} over at least ${HIGH_CONFIDENCE_POINTS} checks).`
      : `confidence medium (R² ${r2(fit.rSquared)} over ${fit.points} checks; high needs R² ${HIGH_CONFIDENCE_R2} over ${HIGH_CONFIDENCE_POINTS}).`);
  return { prediction: { fromBand, intoBand: next.band, threshold: next.threshold, expectedAt, confidence, fit, explanation }, reason: null };
}

export interface UptimeCounts {
  checks: number;
  up: number;
  healthy: number;
}

export interface Uptime extends UptimeCounts {
  /** up / checks × 100, rounded to 2 decimals; null without checks. */
  uptimePercent: number | null;
  /** healthy / checks, rounded to 4 decimals; null without checks. */
  healthyRatio: number | null;
}

export function uptimeOf(counts: UptimeCounts): Uptime {
  if (counts.checks === 0) return { ...counts, uptimePercent: null, healthyRatio: null };
  return {
    ...counts,
    uptimePercent: Math.round((counts.up / counts.checks) * 10_000) / 100,
    healthyRatio: roundScore(counts.healthy / counts.checks),
  };
}

/** The windows uptime is given over, newest-first ends at "now". */
export const UPTIME_WINDOWS = [
  { name: 'last_24_hours', ms: DAY_MS },
  { name: 'last_7_days', ms: 7 * DAY_MS },
  { name: 'last_30_days', ms: 30 * DAY_MS },
] as const;
export type UptimeWindowName = (typeof UPTIME_WINDOWS)[number]['name'];
