import { now } from './clock.js';
import type { TestResult } from './types.js';

export interface RunTestOptions {
  /** The test fails if it has not finished within this many milliseconds. Default 5000. */
  timeoutMs?: number | undefined;
}

/** A test body. It may watch `signal` to stop work once the test has timed out. */
export type TestFn = (signal: AbortSignal) => unknown;

export const DEFAULT_TEST_TIMEOUT_MS = 5000;

/**
 * Runs one test: passes when `fn` returns (or resolves), fails with the thrown error's message, and
 * fails when it takes longer than `timeoutMs`.
 *
 * A timer cannot interrupt synchronous work, so a body that blocks past its timeout is also failed
 * by its measured duration once it returns. A timed-out async body keeps running in the
 * background (JavaScript cannot cancel it); its `signal` is aborted so it can stop itself.
 */
export async function runTest(name: string, fn: TestFn, options: RunTestOptions = {}): Promise<TestResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  const controller = new AbortController();
  // The handle stays inside the closure: its type is whichever setTimeout is in scope (a number in
  // Workers, a Timeout under @types/node), so the declarations hold under either.
  let cancelTimer = (): void => {};
  const timedOut = new Promise<'timeout'>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    cancelTimer = () => clearTimeout(timer);
  });

  const started = now();
  try {
    const outcome = await Promise.race([Promise.resolve().then(() => fn(controller.signal)).then(() => 'done' as const), timedOut]);
    const durationMs = now() - started;
    if (outcome === 'timeout' || durationMs > timeoutMs) {
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
      return { name, status: 'failed', durationMs, error: `Timed out: took ${Math.round(durationMs)} ms, limit ${timeoutMs} ms` };
    }
    return { name, status: 'passed', durationMs };
  } catch (error) {
    return { name, status: 'failed', durationMs: now() - started, error: errorMessage(error) };
  } finally {
    cancelTimer();
  }
}

/** A test that was not run, with the reason in `error`. */
export function skippedTest(name: string, reason: string): TestResult {
  return { name, status: 'skipped', durationMs: 0, error: reason };
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
