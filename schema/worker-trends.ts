import type { BandPrediction, Trend } from '../domain/trends';
import { fleetTrend, MAX_POINTS, DEFAULT_POINTS, workerTrend, type FleetScorePoint, type FleetTrendResult, type UptimeWindow, type WorkerScorePoint, type WorkerTrendResult } from '../operations/trends';
import { builder } from './builder';
import { HealthCheckStatusEnum, HealthStatusEnum, WorkerCheckStatusEnum } from './enums';

// Score history, trends, uptime and prediction (operations/trends.ts, domain/trends.ts).

const TrendDirectionEnum = builder.enumType('TrendDirection', {
  description: 'RISING or FALLING when a least-squares line fits the scores (R² ≥ 0.3) and moves ≥ 0.02 over the window; FLAT when it moves less; UNCLEAR with fewer than 3 points or no line that fits.',
  values: { RISING: { value: 'rising' }, FALLING: { value: 'falling' }, FLAT: { value: 'flat' }, UNCLEAR: { value: 'unclear' } } as const,
});

const PredictionConfidenceEnum = builder.enumType('PredictionConfidence', {
  description: 'HIGH: R² ≥ 0.8 over at least 10 checks; MEDIUM: the least a prediction needs (R² ≥ 0.5 over at least 5).',
  values: { HIGH: { value: 'high' }, MEDIUM: { value: 'medium' } } as const,
});

const UptimeWindowNameEnum = builder.enumType('UptimeWindowName', {
  values: { LAST_24_HOURS: { value: 'last_24_hours' }, LAST_7_DAYS: { value: 'last_7_days' }, LAST_30_DAYS: { value: 'last_30_days' } } as const,
});

const ScoreTrendType = builder.objectRef<Trend>('ScoreTrend').implement({
  description: 'A least-squares line through the scores against time.',
  fields: (t) => ({
    direction: t.field({ type: TrendDirectionEnum, resolve: (trend) => trend.direction }),
    slopePerDay: t.float({ nullable: true, description: 'Score change per day; null when no line could be fitted.', resolve: (trend) => trend.fit?.slopePerDay ?? null }),
    change: t.float({ nullable: true, description: 'The fitted change from the first point to the last.', resolve: (trend) => trend.change }),
    rSquared: t.float({ nullable: true, description: 'Share of the variance the line explains, in [0, 1].', resolve: (trend) => trend.fit?.rSquared ?? null }),
    points: t.int({ resolve: (trend) => trend.fit?.points ?? 0, description: 'How many points the line was fitted to (0 when none).' }),
    description: t.string({ resolve: (trend) => trend.description }),
  }),
});

const BandPredictionType = builder.objectRef<BandPrediction>('BandPrediction').implement({
  description: 'When the score would fall into the next worse band at its current rate; given only when the fit supports it.',
  fields: (t) => ({
    fromBand: t.field({ type: HealthStatusEnum, resolve: (p) => p.fromBand }),
    intoBand: t.field({ type: HealthStatusEnum, resolve: (p) => p.intoBand }),
    threshold: t.float({ description: 'The floor of the current band the line falls below.', resolve: (p) => p.threshold }),
    expectedAt: t.field({ type: 'DateTime', resolve: (p) => p.expectedAt }),
    confidence: t.field({ type: PredictionConfidenceEnum, resolve: (p) => p.confidence }),
    rSquared: t.float({ resolve: (p) => p.fit.rSquared }),
    points: t.int({ resolve: (p) => p.fit.points }),
    slopePerDay: t.float({ resolve: (p) => p.fit.slopePerDay }),
    explanation: t.string({ resolve: (p) => p.explanation }),
  }),
});

const UptimeWindowType = builder.objectRef<UptimeWindow>('UptimeWindow').implement({
  description: 'Checks in a window up to now (cancelled ones left out): up = completed (reached and reported), healthy = completed in the healthy band.',
  fields: (t) => ({
    window: t.field({ type: UptimeWindowNameEnum, resolve: (w) => w.window }),
    since: t.field({ type: 'DateTime', resolve: (w) => w.since }),
    checks: t.int({ resolve: (w) => w.checks }),
    upChecks: t.int({ resolve: (w) => w.up }),
    healthyChecks: t.int({ resolve: (w) => w.healthy }),
    uptimePercent: t.float({ nullable: true, description: 'upChecks / checks × 100; null without checks.', resolve: (w) => w.uptimePercent }),
    healthyRatio: t.float({ nullable: true, description: 'healthyChecks / checks; null without checks.', resolve: (w) => w.healthyRatio }),
  }),
});

const WorkerScorePointType = builder.objectRef<WorkerScorePoint>('WorkerScorePoint').implement({
  description: "One final check of a worker: when it was requested, its score (0 when it failed or timed out) and band.",
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (p) => p.at }),
    score: t.float({ resolve: (p) => p.score }),
    healthStatus: t.field({ type: HealthStatusEnum, resolve: (p) => p.healthStatus }),
    status: t.field({ type: WorkerCheckStatusEnum, resolve: (p) => p.status }),
    workerCheckUuid: t.id({ resolve: (p) => p.workerCheckUuid }),
    healthCheckUuid: t.id({ resolve: (p) => p.healthCheckUuid }),
  }),
});

const FleetScorePointType = builder.objectRef<FleetScorePoint>('FleetScorePoint').implement({
  description: 'One final run: when it started, its overall score and band.',
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (p) => p.at }),
    score: t.float({ resolve: (p) => p.score }),
    healthStatus: t.field({ type: HealthStatusEnum, resolve: (p) => p.healthStatus }),
    status: t.field({ type: HealthCheckStatusEnum, resolve: (p) => p.status }),
    healthCheckUuid: t.id({ resolve: (p) => p.healthCheckUuid }),
    totalWorkers: t.int({ resolve: (p) => p.totalWorkers }),
  }),
});

const WorkerTrendType = builder.objectRef<WorkerTrendResult>('WorkerTrend').implement({
  description: "A worker's score history, its trend, uptime and, when the fit supports one, a prediction.",
  fields: (t) => ({
    workerName: t.string({ resolve: (w) => w.workerName }),
    history: t.field({ type: [WorkerScorePointType], description: 'Oldest first.', resolve: (w) => w.history }),
    trend: t.field({ type: ScoreTrendType, resolve: (w) => w.trend }),
    prediction: t.field({ type: BandPredictionType, nullable: true, resolve: (w) => w.prediction }),
    predictionNote: t.string({ nullable: true, description: 'Why there is no prediction; null when there is one.', resolve: (w) => w.predictionNote }),
    uptime: t.field({ type: [UptimeWindowType], description: 'Over the last 24 hours, 7 days and 30 days.', resolve: (w) => w.uptime }),
  }),
});

const FleetTrendType = builder.objectRef<FleetTrendResult>('FleetTrend').implement({
  description: "The fleet's score history over its runs of one set of workers (the newest final run's), trend, uptime over every worker check, and prediction.",
  fields: (t) => ({
    workerNames: t.stringList({ description: 'The workers every run in history checked (those of the newest final run).', resolve: (f) => f.workerNames }),
    history: t.field({ type: [FleetScorePointType], description: 'Oldest first.', resolve: (f) => f.history }),
    trend: t.field({ type: ScoreTrendType, resolve: (f) => f.trend }),
    prediction: t.field({ type: BandPredictionType, nullable: true, resolve: (f) => f.prediction }),
    predictionNote: t.string({ nullable: true, resolve: (f) => f.predictionNote }),
    uptime: t.field({ type: [UptimeWindowType], resolve: (f) => f.uptime }),
  }),
});

builder.queryField('workerTrend', (t) =>
  t.field({
    type: WorkerTrendType,
    authScopes: { viewer: true },
    description: `A worker's score history (its newest lastChecks final checks, default ${DEFAULT_POINTS}, at most ${MAX_POINTS}; from since on when given), trend, uptime and prediction.`,
    args: {
      workerName: t.arg.string({ required: true }),
      lastChecks: t.arg.int(),
      since: t.arg({ type: 'DateTime' }),
    },
    resolve: (_root, args, ctx) => workerTrend(ctx.db, args.workerName, { last: args.lastChecks ?? null, since: args.since ?? null }),
  }),
);

builder.queryField('fleetTrend', (t) =>
  t.field({
    type: FleetTrendType,
    authScopes: { viewer: true },
    description: `The fleet's score history (its newest lastRuns final runs of the same workers as the newest, default ${DEFAULT_POINTS}, at most ${MAX_POINTS}; from since on when given), trend, uptime and prediction.`,
    args: {
      lastRuns: t.arg.int(),
      since: t.arg({ type: 'DateTime' }),
    },
    resolve: (_root, args, ctx) => fleetTrend(ctx.db, { last: args.lastRuns ?? null, since: args.since ?? null }),
  }),
);
