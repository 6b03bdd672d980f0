import { z } from 'zod';

/**
 * The seed keeps test results, warnings, recommendations and worker filters as JSON text. These
 * read them back as typed lists. A value that is not what we wrote (hand-edited rows) reads as
 * an empty list rather than breaking every query that touches the row.
 */

export const testResultSchema = z.object({
  name: z.string(),
  status: z.enum(['passed', 'failed', 'skipped']),
  durationMs: z.number(),
  error: z.string().nullish(),
});
export type StoredTestResult = z.infer<typeof testResultSchema>;

const testResultsSchema = z.array(testResultSchema);
const stringListSchema = z.array(z.string());

function parseJson<T>(text: string | null | undefined, schema: z.ZodType<T>, fallback: T): T {
  if (!text) return fallback;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : fallback;
  } catch {
    return fallback;
  }
}

export const parseTestResults = (text: string | null | undefined): StoredTestResult[] =>
  parseJson(text, testResultsSchema, []);

export const parseStringList = (text: string | null | undefined): string[] => parseJson(text, stringListSchema, []);
