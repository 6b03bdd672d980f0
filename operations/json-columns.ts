import * as z from 'zod/mini';
import { testResultSchema, type AcceptedTestResult } from '../sdk/src/protocol';

/**
 * The seed keeps test results, warnings, recommendations and worker filters as JSON text. These
 * read them back as typed lists. Test results are read with the protocol's own schema: the columns
 * only ever hold results it accepted. A value that is not what we wrote (hand-edited rows) reads as
 * an empty list rather than breaking every query that touches the row.
 */

export type StoredTestResult = AcceptedTestResult;

const testResultsSchema = z.array(testResultSchema);
const stringListSchema = z.array(z.string());

function parseJson<T>(text: string | null | undefined, schema: z.ZodMiniType<T>, fallback: T): T {
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
