import { SEVERITIES, type AnalysisSource, type Recommendation, type RecommendationKind } from '../domain/analysis';
import { parseAnalysisSource, parseRecommendationDetails } from '../operations/analysis-columns';
import { builder } from './builder';
import { HealthCheckType } from './health-check';
import { WorkerHealthCheckType } from './worker-health-check';

// The structured analysis beside the seed's text fields (aiAnalysis, aiRecommendations, and the
// worker's aiWorker…): who wrote it, and each recommendation with its severity and worker.

export const RecommendationSeverityEnum = builder.enumType('RecommendationSeverity', {
  description: 'How urgent a recommendation is. CRITICAL: a worker gave no result; HIGH: failing unit or integration tests, failing connectivity; MEDIUM: failing performance tests, slowdowns, falling scores; LOW: hints; INFO: nothing to fix.',
  values: Object.fromEntries(SEVERITIES.map((value) => [value.toUpperCase(), { value }])) as {
    [K in (typeof SEVERITIES)[number] as Uppercase<K>]: { value: K };
  },
});

const RECOMMENDATION_KINDS = [
  'signature-refused',
  'wrong-worker',
  'secret-missing',
  'unreachable',
  'error-status',
  'timeout',
  'cancelled',
  'not-dispatched',
  'failed',
  'failing-tests',
  'connectivity',
  'slow',
  'response-time',
  'warnings',
  'fleet-trend',
  'prediction',
  'no-action',
] as const satisfies readonly RecommendationKind[];

type KindName<K extends string> = K extends `${infer A}-${infer B}` ? `${Uppercase<A>}_${KindName<B>}` : Uppercase<K>;

export const RecommendationKindEnum = builder.enumType('RecommendationKind', {
  description: 'What a rule-written recommendation is about (its failure cause, or the trend, prediction or warnings).',
  values: Object.fromEntries(RECOMMENDATION_KINDS.map((value) => [value.toUpperCase().replaceAll('-', '_'), { value }])) as {
    [K in (typeof RECOMMENDATION_KINDS)[number] as KindName<K>]: { value: K };
  },
});

export const AnalyserEnum = builder.enumType('Analyser', {
  description: 'Who wrote an analysis: the embedded rules, or Workers AI.',
  values: { RULES: { value: 'rules' }, WORKERS_AI: { value: 'workers-ai' } } as const,
});

export const AnalysisSourceType = builder.objectRef<AnalysisSource>('AnalysisSource').implement({
  description: 'Who wrote an analysis, and why the rules stand in when Workers AI was asked and failed.',
  fields: (t) => ({
    analyser: t.field({ type: AnalyserEnum, resolve: (source) => source.analyser }),
    model: t.string({
      nullable: true,
      description: 'The Workers AI model that wrote it, or that was asked and failed; null when no model was asked.',
      resolve: (source) => source.model,
    }),
    unavailableReason: t.string({
      nullable: true,
      description: 'When Workers AI was asked and failed: "AI analysis unavailable: …" (the rules wrote the analysis instead).',
      resolve: (source) => source.unavailable,
    }),
    description: t.string({
      description: 'In words: "rules", "Workers AI (<model>)", or "rules (AI analysis unavailable: …)".',
      resolve: (source) =>
        source.analyser === 'workers-ai' ? `Workers AI (${source.model})` : source.unavailable ? `rules (${source.unavailable})` : 'rules',
    }),
  }),
});

const KINDS = new Set<string>(RECOMMENDATION_KINDS);

export const RecommendationType = builder.objectRef<Recommendation>('Recommendation').implement({
  description: 'One recommendation: how urgent, which worker (or the fleet), what to do.',
  fields: (t) => ({
    severity: t.field({ type: RecommendationSeverityEnum, resolve: (r) => r.severity }),
    workerName: t.string({ nullable: true, description: 'The worker it concerns; null for the fleet.', resolve: (r) => r.workerName }),
    text: t.exposeString('text'),
    kind: t.field({
      type: RecommendationKindEnum,
      nullable: true,
      description: 'What it is about, when the rules wrote it; null for Workers AI.',
      resolve: (r) => (r.kind && KINDS.has(r.kind) ? (r.kind as (typeof RECOMMENDATION_KINDS)[number]) : null),
    }),
  }),
});

builder.drizzleObjectFields(HealthCheckType, (t) => ({
  analysisSource: t.field({
    type: AnalysisSourceType,
    nullable: true,
    description: 'Who wrote aiAnalysis and the recommendations; null until the run is finalised (and for runs that were cancelled).',
    select: { columns: { analysisSource: true } },
    resolve: (row) => parseAnalysisSource(row.analysisSource),
  }),
  recommendations: t.field({
    type: [RecommendationType],
    description: 'aiRecommendations with their severity and worker, most severe first.',
    select: { columns: { recommendationDetails: true } },
    resolve: (row) => parseRecommendationDetails(row.recommendationDetails),
  }),
}));

builder.drizzleObjectFields(WorkerHealthCheckType, (t) => ({
  analysisSource: t.field({
    type: AnalysisSourceType,
    nullable: true,
    description: 'Who wrote aiWorkerAnalysis and the recommendations; null until the run is finalised.',
    select: { columns: { analysisSource: true } },
    resolve: (row) => parseAnalysisSource(row.analysisSource),
  }),
  recommendations: t.field({
    type: [RecommendationType],
    description: 'aiWorkerRecommendations with their severity, most severe first.',
    select: { columns: { recommendationDetails: true } },
    resolve: (row) => parseRecommendationDetails(row.recommendationDetails),
  }),
}));
