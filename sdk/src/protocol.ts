/**
 * The worker protocol (docs/worker-protocol.md) in one place, for both of its sides: the dispatch
 * the orchestrator sends (`POST /health-check/execute`), the result the worker sends back, every
 * limit the orchestrator enforces on it, the test-status vocabulary, and the signed headers both
 * directions carry. The orchestrator imports this module to build dispatches, validate callbacks
 * (GraphQL and RPC) and read stored results back; the SDK imports it to parse dispatches and to fit
 * its results within the limits before sending (fit-result.ts), so the two cannot drift apart.
 *
 * Light on purpose: `zod/mini` and plain checks, nothing from the orchestrator.
 */
import * as z from 'zod/mini';

export { signedHeaders, verifyWebhook, signWebhook, deriveWorkerSecret, WEBHOOK_HEADERS, WEBHOOK_TOLERANCE_SECONDS } from './signing.js';

// ---------------------------------------------------------------------------------------------
// Vocabulary and limits

/** What a test can come to, defined once. GraphQL shows them upper-case (`PASSED`, …). */
export const TEST_STATUSES = ['passed', 'failed', 'skipped'] as const;
export type TestStatus = (typeof TEST_STATUSES)[number];

/**
 * What the orchestrator accepts in one result: they keep a result bounded (it is stored whole, and
 * read back by every query that shows it). The SDK cuts and clips to them before sending
 * (fit-result.ts), so a worker never loses its report to them.
 */
export const LIMITS = {
  /** Tests in each of the three suites. */
  testsPerSuite: 200,
  /** Characters of a test's name (after trimming; it must keep at least one). */
  testName: 200,
  /** Characters of a test's `error` and of the result's `errorMessage`. */
  error: 2000,
  /** Characters of one warning. */
  warning: 500,
  /** Warnings in one result. */
  warnings: 100,
  /** A test's `durationMs` is in [0, this]: a day. */
  durationMs: 86_400_000,
  /** `cpuUsagePercent` is in [0, this]. */
  cpuUsagePercent: 100,
  /** Bytes of the whole callback request (the orchestrator refuses larger GraphQL bodies, 413). */
  callbackBytes: 256 * 1024,
  /** Bytes of a dispatch body; the worker reads no further (413). */
  dispatchBytes: 64 * 1024,
} as const;

/** The three suites of a result, by their field names. */
export const SUITES = ['unitTests', 'performanceTests', 'integrationTests'] as const;
export type Suite = (typeof SUITES)[number];

// ---------------------------------------------------------------------------------------------
// The result: worker → orchestrator

/** One test as a worker reports it. */
export interface TestResult {
  name: string;
  status: TestStatus;
  /** Wall time of the test body in milliseconds (fractional). */
  durationMs: number;
  /** Why it failed (the thrown error's message), or why it was skipped. */
  error?: string | undefined;
}

/** What the SDK reports for one check: `ReportWorkerResultInput`, test statuses in lower case. */
export interface WorkerResultPayload {
  workerCheckUuid: string;
  /** Seconds since this isolate loaded the SDK (see clock.ts for the production caveat). */
  uptimeSeconds: number;
  /** Always `null`: a Worker cannot measure its memory use. */
  memoryUsageMb: number | null;
  /** Always `null`: a Worker cannot measure its CPU share. */
  cpuUsagePercent: number | null;
  /** Measured duration of the quick self-check (the orchestrator round trip). */
  responseTimeMs: number | null;
  orchestratorConnectivity: boolean;
  /** `null` when no external API is configured. */
  externalApiConnectivity: boolean | null;
  /** `null` when no D1 binding is configured. */
  databaseConnectivity: boolean | null;
  unitTests: TestResult[];
  performanceTests: TestResult[];
  integrationTests: TestResult[];
  /** Set when the run itself broke (as opposed to a test failing). */
  errorMessage: string | null;
  warnings: string[];
  startedAt: string;
  completedAt: string;
}

const text = (max: number, what: string) => z.string().check(z.maxLength(max, `${what} are at most ${max} characters`));
const count = () => z.nullish(z.int().check(z.gte(0, 'must not be negative')));

/** One test as the orchestrator accepts (and stores) it. */
export const testResultSchema = z.object({
  name: z.string().check(
    z.trim(),
    z.minLength(1, 'a test needs a name'),
    z.maxLength(LIMITS.testName, `test names are at most ${LIMITS.testName} characters`),
  ),
  status: z.enum(TEST_STATUSES, `must be one of ${TEST_STATUSES.join(', ')}`),
  durationMs: z.number().check(
    z.gte(0, 'durationMs must not be negative'),
    z.lte(LIMITS.durationMs, `durationMs is at most ${LIMITS.durationMs} (a day)`),
  ),
  error: z.nullish(text(LIMITS.error, 'errors')),
});
export type AcceptedTestResult = z.output<typeof testResultSchema>;

const suite = z.array(testResultSchema).check(z.maxLength(LIMITS.testsPerSuite, `at most ${LIMITS.testsPerSuite} tests per suite`));

const isoDate = z.coerce.date('must be an ISO-8601 date-time');

/**
 * A result as the orchestrator accepts it, through GraphQL's `ReportWorkerResultInput` or RPC's
 * `receiveHealthCheckResult` alike; `workerCheckUuid` travels beside it, not in it.
 */
export const workerResultSchema = z
  .object({
    uptimeSeconds: count(),
    memoryUsageMb: z.nullish(z.number().check(z.gte(0, 'must not be negative'))),
    cpuUsagePercent: z.nullish(z.number().check(z.gte(0, 'must not be negative'), z.lte(LIMITS.cpuUsagePercent, `is at most ${LIMITS.cpuUsagePercent}`))),
    responseTimeMs: count(),
    orchestratorConnectivity: z.boolean(),
    externalApiConnectivity: z.nullish(z.boolean()),
    databaseConnectivity: z.nullish(z.boolean()),
    unitTests: suite,
    performanceTests: suite,
    integrationTests: suite,
    errorMessage: z.nullish(text(LIMITS.error, 'error messages')),
    warnings: z.nullish(z.array(text(LIMITS.warning, 'warnings')).check(z.maxLength(LIMITS.warnings, `at most ${LIMITS.warnings} warnings`))),
    startedAt: isoDate,
    completedAt: isoDate,
  })
  .check(
    z.refine((result) => result.completedAt >= result.startedAt, {
      message: 'completedAt must not be before startedAt',
      path: ['completedAt'],
    }),
  );
export type AcceptedWorkerResult = z.output<typeof workerResultSchema>;

/**
 * Never called: it compiles only while what the SDK sends is, by type, something the schema takes,
 * so a field changed on one side only fails here rather than at the orchestrator's door.
 */
function sentResultIsAccepted(sent: Omit<WorkerResultPayload, 'workerCheckUuid'>): z.input<typeof workerResultSchema> {
  return sent;
}

/** The callback's GraphQL document; `variables.input` is the result as `ReportWorkerResultInput`. */
export const REPORT_WORKER_RESULT_MUTATION =
  'mutation ReportWorkerResult($input: ReportWorkerResultInput!) { reportWorkerResult(input: $input) { success message } }';

// ---------------------------------------------------------------------------------------------
// The dispatch: orchestrator → worker

/** The execute request's `options`, defaults filled in. */
export interface ExecuteOptions {
  include_unit_tests: boolean;
  include_performance_tests: boolean;
  include_integration_tests: boolean;
  debug_mode: boolean;
}

/** A `POST /health-check/execute` body. The orchestrator sends every field. */
export interface ExecuteRequest {
  worker_check_uuid: string;
  health_check_uuid?: string;
  /** The name the orchestrator knows this worker by (and derived its secret from). */
  worker_name?: string;
  options: ExecuteOptions;
  callback_url: string;
  /** ISO-8601; after it the orchestrator no longer accepts the result. */
  deadline?: string;
}

export const DEFAULT_EXECUTE_OPTIONS: Readonly<ExecuteOptions> = {
  include_unit_tests: true,
  include_performance_tests: true,
  include_integration_tests: true,
  debug_mode: false,
};

/** The `webhook-id` a dispatch is signed under: one per worker check. */
export const dispatchWebhookId = (workerCheckUuid: string) => `dispatch_${workerCheckUuid}`;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Parses and validates an execute body; the error says exactly what is wrong. Plain checks rather
 * than a schema: each refusal names the field in words a worker's operator can act on.
 */
export function parseExecuteRequest(body: string): Parsed<ExecuteRequest> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return fail('The body is not valid JSON');
  }
  if (!isObject(value)) return fail('The body must be a JSON object');

  const uuid = value['worker_check_uuid'];
  if (typeof uuid !== 'string' || uuid.trim() === '') return fail('worker_check_uuid is required (a non-empty string)');

  const callbackUrl = value['callback_url'];
  if (typeof callbackUrl !== 'string') return fail('callback_url is required (an http or https URL)');
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(callbackUrl);
  } catch {
    return fail(`callback_url is not a URL: ${JSON.stringify(callbackUrl)}`);
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') return fail('callback_url must be an http or https URL');

  const options = parseOptions(value['options']);
  if (!options.ok) return options;

  for (const field of ['health_check_uuid', 'worker_name', 'deadline'] as const) {
    if (value[field] !== undefined && typeof value[field] !== 'string') return fail(`${field} must be a string`);
  }
  const deadline = value['deadline'] as string | undefined;
  if (deadline !== undefined && Number.isNaN(Date.parse(deadline))) return fail('deadline must be an ISO-8601 date-time');

  const request: ExecuteRequest = { worker_check_uuid: uuid, options: options.value, callback_url: callbackUrl };
  if (typeof value['health_check_uuid'] === 'string') request.health_check_uuid = value['health_check_uuid'];
  if (typeof value['worker_name'] === 'string') request.worker_name = value['worker_name'];
  if (deadline !== undefined) request.deadline = deadline;
  return { ok: true, value: request };
}

function parseOptions(raw: unknown): Parsed<ExecuteOptions> {
  if (raw === undefined || raw === null) return { ok: true, value: { ...DEFAULT_EXECUTE_OPTIONS } };
  if (!isObject(raw)) return fail('options must be an object');
  const options = { ...DEFAULT_EXECUTE_OPTIONS };
  for (const name of Object.keys(DEFAULT_EXECUTE_OPTIONS) as (keyof ExecuteOptions)[]) {
    const option = raw[name];
    if (option === undefined) continue;
    if (typeof option !== 'boolean') return fail(`options.${name} must be true or false`);
    options[name] = option;
  }
  return { ok: true, value: options };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
