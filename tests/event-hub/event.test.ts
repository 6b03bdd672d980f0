import { describe, expect, it } from 'vitest';
import { parseHealthCheckEvent } from '../../durable/graphql-ws/event';

describe('parseHealthCheckEvent', () => {
  it('accepts the three event types with their sequence, keeping workerCheckUuid when present', () => {
    expect(parseHealthCheckEvent({ type: 'STARTED', healthCheckUuid: 'hc', sequence: 1 })).toEqual({ ok: true, event: { type: 'STARTED', healthCheckUuid: 'hc', sequence: 1 } });
    expect(parseHealthCheckEvent({ type: 'WORKER_RESULT', healthCheckUuid: 'hc', workerCheckUuid: 'wc', sequence: 2, extra: 1 })).toEqual({
      ok: true,
      event: { type: 'WORKER_RESULT', healthCheckUuid: 'hc', workerCheckUuid: 'wc', sequence: 2 },
    });
    expect(parseHealthCheckEvent({ type: 'COMPLETED', healthCheckUuid: 'hc', workerCheckUuid: null, sequence: 5 })).toEqual({
      ok: true,
      event: { type: 'COMPLETED', healthCheckUuid: 'hc', sequence: 5 },
    });
  });

  it.each([
    [null, /must be an object/],
    [{ type: 'FINISHED', healthCheckUuid: 'hc', sequence: 1 }, /type must be one of STARTED, WORKER_RESULT, COMPLETED/],
    [{ type: 'STARTED', sequence: 1 }, /healthCheckUuid must be a non-empty string/],
    [{ type: 'STARTED', healthCheckUuid: '', sequence: 1 }, /healthCheckUuid/],
    [{ type: 'WORKER_RESULT', healthCheckUuid: 'hc', workerCheckUuid: 7, sequence: 2 }, /workerCheckUuid/],
    [{ type: 'STARTED', healthCheckUuid: 'hc' }, /sequence must be a positive integer/],
    [{ type: 'STARTED', healthCheckUuid: 'hc', sequence: 0 }, /sequence must be a positive integer/],
    [{ type: 'STARTED', healthCheckUuid: 'hc', sequence: 1.5 }, /sequence must be a positive integer/],
    [{ type: 'STARTED', healthCheckUuid: 'hc', sequence: '1' }, /sequence must be a positive integer/],
  ])('rejects %j', (value, error) => {
    const parsed = parseHealthCheckEvent(value);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok || parsed.error).toMatch(error);
  });
});
