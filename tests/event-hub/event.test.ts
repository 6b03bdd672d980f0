import { describe, expect, it } from 'vitest';
import { parseHealthCheckEvent } from '../../durable/graphql-ws/event';

describe('parseHealthCheckEvent', () => {
  it('accepts the three event types, keeping workerCheckUuid when present', () => {
    expect(parseHealthCheckEvent({ type: 'STARTED', healthCheckUuid: 'hc' })).toEqual({ ok: true, event: { type: 'STARTED', healthCheckUuid: 'hc' } });
    expect(parseHealthCheckEvent({ type: 'WORKER_RESULT', healthCheckUuid: 'hc', workerCheckUuid: 'wc', extra: 1 })).toEqual({
      ok: true,
      event: { type: 'WORKER_RESULT', healthCheckUuid: 'hc', workerCheckUuid: 'wc' },
    });
    expect(parseHealthCheckEvent({ type: 'COMPLETED', healthCheckUuid: 'hc', workerCheckUuid: null })).toEqual({
      ok: true,
      event: { type: 'COMPLETED', healthCheckUuid: 'hc' },
    });
  });

  it.each([
    [null, /must be an object/],
    [{ type: 'FINISHED', healthCheckUuid: 'hc' }, /type must be one of STARTED, WORKER_RESULT, COMPLETED/],
    [{ type: 'STARTED' }, /healthCheckUuid must be a non-empty string/],
    [{ type: 'STARTED', healthCheckUuid: '' }, /healthCheckUuid/],
    [{ type: 'WORKER_RESULT', healthCheckUuid: 'hc', workerCheckUuid: 7 }, /workerCheckUuid/],
  ])('rejects %j', (value, error) => {
    const parsed = parseHealthCheckEvent(value);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok || parsed.error).toMatch(error);
  });
});
