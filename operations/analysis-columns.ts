import * as z from 'zod/mini';
import { SEVERITIES, type AnalysisSource, type Recommendation, type SourcedAnalysis } from '../domain/analysis';

/**
 * The analysis columns: `analysis_source` and `recommendation_details` hold JSON, the seed's
 * `ai_analysis`/`ai_recommendations` (and the worker's `ai_worker_…`) the same analysis as text.
 * A value that is not what we wrote reads as absent rather than breaking the queries.
 */

const sourceSchema = z.object({
  analyser: z.enum(['rules', 'workers-ai']),
  model: z.nullable(z.string()),
  unavailable: z.nullable(z.string()),
});

const recommendationsSchema = z.array(
  z.object({
    severity: z.enum(SEVERITIES),
    workerName: z.nullable(z.string()),
    text: z.string(),
    kind: z.nullable(z.string()),
  }),
);

function parse<T>(text: string | null | undefined, schema: z.ZodMiniType<T>): T | null {
  if (!text) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const parseAnalysisSource = (text: string | null | undefined): AnalysisSource | null => parse(text, sourceSchema);

export function parseRecommendationDetails(text: string | null | undefined): Recommendation[] {
  return (parse(text, recommendationsSchema) ?? []) as Recommendation[];
}

/** The columns of a run's analysis. */
export function runAnalysisColumns(analysis: SourcedAnalysis) {
  return {
    aiAnalysis: analysis.analysis,
    aiRecommendations: JSON.stringify(analysis.recommendations.map((r) => r.text)),
    recommendationDetails: JSON.stringify(analysis.recommendations),
    analysisSource: JSON.stringify(analysis.source),
  };
}

/** The columns of a worker's analysis. */
export function workerAnalysisColumns(analysis: SourcedAnalysis) {
  return {
    aiWorkerAnalysis: analysis.analysis,
    aiWorkerRecommendations: JSON.stringify(analysis.recommendations.map((r) => r.text)),
    recommendationDetails: JSON.stringify(analysis.recommendations),
    analysisSource: JSON.stringify(analysis.source),
  };
}
