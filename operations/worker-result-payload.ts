import { z } from 'zod';

/**
 * A worker's result, as docs/worker-protocol.md defines it (camelCase; the RPC entrypoint maps
 * the seed's snake_case onto it). Bounds keep one result a few hundred KiB at most.
 */
const MAX_TESTS_PER_SUITE = 200;
const MAX_TEXT = 2_000;

const testResult = z.object({
  name: z.string().trim().min(1, 'a test needs a name').max(200, 'test names are at most 200 characters'),
  status: z.enum(['passed', 'failed', 'skipped']),
  durationMs: z.number().min(0, 'durationMs must not be negative').max(86_400_000),
  error: z.string().max(MAX_TEXT).nullish(),
});

const suite = z.array(testResult).max(MAX_TESTS_PER_SUITE, `at most ${MAX_TESTS_PER_SUITE} tests per suite`);

const isoDate = z.coerce.date().refine((date) => !Number.isNaN(date.getTime()), 'must be an ISO-8601 date-time');

export const workerResultPayload = z
  .object({
    uptimeSeconds: z.number().int().min(0).nullish(),
    memoryUsageMb: z.number().min(0).nullish(),
    cpuUsagePercent: z.number().min(0).max(100).nullish(),
    responseTimeMs: z.number().int().min(0).nullish(),
    orchestratorConnectivity: z.boolean(),
    externalApiConnectivity: z.boolean().nullish(),
    databaseConnectivity: z.boolean().nullish(),
    unitTests: suite,
    performanceTests: suite,
    integrationTests: suite,
    errorMessage: z.string().max(MAX_TEXT).nullish(),
    warnings: z.array(z.string().max(500)).max(100).nullish(),
    startedAt: isoDate,
    completedAt: isoDate,
  })
  .refine((payload) => payload.completedAt >= payload.startedAt, {
    message: 'completedAt must not be before startedAt',
    path: ['completedAt'],
  });

export type WorkerResultPayload = z.infer<typeof workerResultPayload>;
export type TestSuitePayload = z.infer<typeof suite>;

export function suiteCounts(tests: TestSuitePayload) {
  const passed = tests.filter((test) => test.status === 'passed').length;
  const failed = tests.filter((test) => test.status === 'failed').length;
  return { total: tests.length, passed, failed };
}
