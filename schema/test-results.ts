import { parseTestResults, type StoredTestResult } from '../operations/json-columns';
import { builder } from './builder';
import { TestStatusEnum } from './enums';

/**
 * One suite as its field resolves it: the three counters, and the suite's JSON column as stored.
 * The column is parsed only by `results`, so a page that asks for the counters alone never
 * parses it.
 */
export interface TestSuiteShape {
  total: number;
  passed: number;
  failed: number;
  resultsJson: string | null | undefined;
}

export const TestResultType = builder.objectRef<StoredTestResult>('TestResult').implement({
  description: 'One test a worker ran.',
  fields: (t) => ({
    name: t.exposeString('name'),
    status: t.field({ type: TestStatusEnum, resolve: (test) => test.status }),
    durationMs: t.exposeFloat('durationMs'),
    error: t.string({ nullable: true, resolve: (test) => test.error ?? null }),
  }),
});

export const TestSuiteResultType = builder.objectRef<TestSuiteShape>('TestSuiteResult').implement({
  description: 'One suite (unit, performance or integration) of a worker check.',
  fields: (t) => ({
    total: t.exposeInt('total'),
    passed: t.exposeInt('passed'),
    failed: t.exposeInt('failed'),
    results: t.field({ type: [TestResultType], resolve: (suite) => parseTestResults(suite.resultsJson) }),
  }),
});
