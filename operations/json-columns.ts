import { TEST_STATUSES, type AcceptedTestResult } from '../sdk/src/protocol';

/**
 * The seed keeps test results, warnings, recommendations and worker filters as JSON text. These
 * read them back as typed lists.
 *
 * They are not validated again on read: the test-result columns are only ever written from results
 * the protocol's schema accepted (operations/record-result.ts stores `JSON.stringify` of the parsed
 * data), so reading is a plain `JSON.parse` plus a cheap shape guard (a few `typeof` checks, no
 * zod). A value that is not what we wrote (a hand-edited row: not JSON, not an array, an entry
 * without a name or with an unknown status) reads as an empty list rather than breaking every
 * query that touches the row. Call these only where the column is actually needed: GraphQL parses
 * a column in the resolver of its own field, so a page that does not select it never parses it.
 */

export type StoredTestResult = AcceptedTestResult;

const TEST_STATUS_SET: ReadonlySet<unknown> = new Set(TEST_STATUSES);

function parseList(text: string | null | undefined): unknown[] | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The shape GraphQL's `TestResult` needs to serialise; what the protocol wrote always has it. */
function isStoredTestResult(value: unknown): value is StoredTestResult {
  if (typeof value !== 'object' || value === null) return false;
  const test = value as Record<string, unknown>;
  return (
    typeof test.name === 'string' &&
    TEST_STATUS_SET.has(test.status) &&
    typeof test.durationMs === 'number' &&
    (test.error == null || typeof test.error === 'string')
  );
}

export function parseTestResults(text: string | null | undefined): StoredTestResult[] {
  const list = parseList(text);
  return list && list.every(isStoredTestResult) ? list : [];
}

export function parseStringList(text: string | null | undefined): string[] {
  const list = parseList(text);
  return list && list.every((item) => typeof item === 'string') ? (list as string[]) : [];
}
