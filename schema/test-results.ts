import type { StoredTestResult } from '../operations/json-columns';
import { builder } from './builder';
import { TestStatusEnum } from './enums';

export interface TestSuiteShape {
  total: number;
  passed: number;
  failed: number;
  results: StoredTestResult[];
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
    results: t.field({ type: [TestResultType], resolve: (suite) => suite.results }),
  }),
});
