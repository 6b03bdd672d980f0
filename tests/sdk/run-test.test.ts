import { describe, expect, it } from 'vitest';
import { runTest, skippedTest } from '../../sdk/src/run-test';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runTest', () => {
  it('passes a test that returns, and measures how long it took', async () => {
    const result = await runTest('waits 30 ms', () => wait(30));
    expect(result).toMatchObject({ name: 'waits 30 ms', status: 'passed' });
    expect(result.error).toBeUndefined();
    expect(result.durationMs).toBeGreaterThanOrEqual(25);
    expect(result.durationMs).toBeLessThan(1000);
  });

  it('fails a test that throws, with the error message', async () => {
    const result = await runTest('throws', () => {
      throw new Error('template has no {{name}}');
    });
    expect(result).toMatchObject({ status: 'failed', error: 'template has no {{name}}' });
  });

  it('fails a test whose promise rejects, and keeps non-Error reasons readable', async () => {
    expect(await runTest('rejects', async () => Promise.reject(new RangeError('out of range')))).toMatchObject({ status: 'failed', error: 'out of range' });
    expect(await runTest('throws a string', () => Promise.reject('upstream said no'))).toMatchObject({ status: 'failed', error: 'upstream said no' });
  });

  it('fails a slow async test at its timeout instead of waiting for it', async () => {
    let signal: AbortSignal | undefined;
    const result = await runTest(
      'hangs',
      async (s) => {
        signal = s;
        await wait(2000);
      },
      { timeoutMs: 40 },
    );
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/^Timed out: took \d+ ms, limit 40 ms$/);
    expect(result.durationMs).toBeGreaterThanOrEqual(35);
    expect(result.durationMs).toBeLessThan(1000);
    // The body is told to stop, since JavaScript cannot cancel it.
    expect(signal?.aborted).toBe(true);
  });

  it('fails a test that blocked the thread past its timeout, by its measured duration', async () => {
    const result = await runTest(
      'busy loop',
      () => {
        const until = performance.now() + 60;
        while (performance.now() < until) {
          // burn CPU: a timer cannot fire in here
        }
      },
      { timeoutMs: 20 },
    );
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/Timed out/);
    expect(result.durationMs).toBeGreaterThanOrEqual(60);
  });

  it('reports a skipped test with its reason', () => {
    expect(skippedTest('needs D1', 'no DB binding')).toEqual({ name: 'needs D1', status: 'skipped', durationMs: 0, error: 'no DB binding' });
  });
});
