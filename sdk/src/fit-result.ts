/**
 * Fitting a result within the protocol's LIMITS before it is sent. The orchestrator refuses a whole
 * result that breaks any of them, and a refusal is final (the SDK never retries a 4xx), so an
 * over-long suite or a runaway message would cost the worker its report and leave its check to
 * time out. Instead a suite over the limit is cut to it, with a warning saying how many tests were
 * dropped; every text is clipped; durations are kept in range. A valid worker's result is then
 * always one the orchestrator accepts.
 */
import { LIMITS, SUITES, type Suite, type TestResult, type WorkerResultPayload } from './protocol.js';

/** How far test errors are clipped, in turn, when the whole result is still too large. */
const ERROR_CAPS = [LIMITS.error, 500, 100, 20] as const;

/** Stands in for a name the orchestrator would refuse (blank once trimmed). */
export const UNNAMED_TEST = 'unnamed test';

/**
 * `payload` within the limits. `fits` says whether a candidate is small enough as a whole (the SDK
 * passes the callback's byte limit): while it is not, test errors are clipped harder, then tests
 * are dropped from the end of the largest suite, each step said in a warning. Pure: `payload` is
 * left as it is.
 */
export function fitResult(payload: WorkerResultPayload, fits: (candidate: WorkerResultPayload) => boolean = () => true): WorkerResultPayload {
  const kept = Object.fromEntries(SUITES.map((suite) => [suite, Math.min(payload[suite].length, LIMITS.testsPerSuite)])) as Record<Suite, number>;
  let candidate = payload;
  for (const errorCap of ERROR_CAPS) {
    candidate = fitted(payload, kept, errorCap);
    if (fits(candidate)) return candidate;
  }
  const errorCap = ERROR_CAPS[ERROR_CAPS.length - 1]!;
  for (;;) {
    const largest = SUITES.reduce((a, b) => (kept[b] > kept[a] ? b : a));
    // Nothing left to drop: send it as it is (only a result whose names and warnings alone are too
    // large gets here, which takes thousands of escaped control characters).
    if (kept[largest] === 0) return candidate;
    kept[largest] = Math.floor(kept[largest] * 0.9);
    candidate = fitted(payload, kept, errorCap);
    if (fits(candidate)) return candidate;
  }
}

/** The payload with `kept[suite]` tests of each suite, errors clipped to `errorCap`, and its warnings. */
function fitted(payload: WorkerResultPayload, kept: Record<Suite, number>, errorCap: number): WorkerResultPayload {
  const notes: string[] = [];
  const suites = {} as Record<Suite, TestResult[]>;
  let clippedHarder = 0;
  for (const suite of SUITES) {
    const tests = payload[suite];
    const keep = kept[suite];
    if (keep < tests.length) notes.push(`${suite}: ${tests.length - keep} of ${tests.length} tests dropped (${dropReason(tests.length, keep)})`);
    suites[suite] = tests.slice(0, keep).map((test) => fitTest(test, errorCap));
    if (errorCap < LIMITS.error) clippedHarder += tests.slice(0, keep).filter((test) => (test.error?.length ?? 0) > errorCap).length;
  }
  if (clippedHarder > 0) {
    notes.push(`${clippedHarder} test error${clippedHarder === 1 ? '' : 's'} clipped to ${errorCap} characters (the result must stay within ${LIMITS.callbackBytes} bytes)`);
  }
  return {
    ...payload,
    ...suites,
    errorMessage: typeof payload.errorMessage === 'string' ? clip(payload.errorMessage, LIMITS.error) : null,
    warnings: fitWarnings(payload.warnings.map((warning) => clip(warning, LIMITS.warning)), notes),
  };
}

function dropReason(total: number, keep: number): string {
  const perSuite = `at most ${LIMITS.testsPerSuite} per suite`;
  const bytes = `the result must stay within ${LIMITS.callbackBytes} bytes`;
  if (keep === LIMITS.testsPerSuite) return perSuite;
  return total > LIMITS.testsPerSuite ? `${perSuite}, and ${bytes}` : bytes;
}

/** The worker's warnings, then the notes of what was cut, within the warnings limit (notes kept). */
function fitWarnings(warnings: string[], notes: string[]): string[] {
  const room = LIMITS.warnings - notes.length;
  if (warnings.length <= room) return [...warnings, ...notes];
  const keep = room - 1;
  return [...warnings.slice(0, keep), ...notes, `warnings: ${warnings.length - keep} of ${warnings.length} dropped (at most ${LIMITS.warnings})`];
}

/** One test within the limits: a name the orchestrator takes, a clipped error, a duration in range. */
export function fitTest(test: TestResult, errorCap: number = LIMITS.error): TestResult {
  const name = test.name.trim();
  const result: TestResult = {
    name: name === '' ? UNNAMED_TEST : clip(name, LIMITS.testName),
    status: test.status,
    durationMs: Number.isNaN(test.durationMs) ? 0 : Math.min(Math.max(test.durationMs, 0), LIMITS.durationMs),
  };
  if (typeof test.error === 'string') result.error = clip(test.error, errorCap);
  return result;
}

/** `text` in at most `max` UTF-16 units (what the orchestrator counts), ending in "…" when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // Never split a surrogate pair: half a character is not text.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
