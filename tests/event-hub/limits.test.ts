import { describe, expect, it } from 'vitest';
import { PLATFORM_ATTACHMENT_LIMIT_BYTES } from '../../durable/graphql-ws/connection-state';
import { DEFAULT_HUB_LIMITS, MAX_EVICT_PENDING_AFTER_MS, readHubLimits } from '../../durable/graphql-ws/limits';

describe('readHubLimits', () => {
  it('defaults: 1000 sockets, 20 subscriptions, 4 KiB documents, 10 s to init, a budget under 16 KiB', () => {
    expect(readHubLimits({})).toEqual({ limits: DEFAULT_HUB_LIMITS, warnings: [] });
    expect(DEFAULT_HUB_LIMITS).toMatchObject({ maxSockets: 1000, maxSubscriptionsPerSocket: 20, maxDocumentBytes: 4096, initTimeoutMs: 10_000 });
    expect(DEFAULT_HUB_LIMITS.maxAttachmentBytes).toBeLessThan(PLATFORM_ATTACHMENT_LIMIT_BYTES);
  });

  it('reads the vars as strings (as wrangler passes them) or numbers', () => {
    const { limits, warnings } = readHubLimits({
      EVENT_HUB_MAX_SOCKETS: '250',
      EVENT_HUB_MAX_SUBSCRIPTIONS: 5,
      EVENT_HUB_MAX_DOCUMENT_BYTES: ' 2048 ',
      EVENT_HUB_INIT_TIMEOUT_MS: '3000',
    });
    expect(warnings).toEqual([]);
    expect(limits).toEqual({ ...DEFAULT_HUB_LIMITS, maxSockets: 250, maxSubscriptionsPerSocket: 5, maxDocumentBytes: 2048, initTimeoutMs: 3000 });
  });

  it('lets a socket awaiting connection_init make room for a newcomer after 1 s, or half the init timeout if shorter', () => {
    expect(DEFAULT_HUB_LIMITS.evictPendingAfterMs).toBe(MAX_EVICT_PENDING_AFTER_MS);
    expect(MAX_EVICT_PENDING_AFTER_MS).toBe(1000);
    expect(readHubLimits({ EVENT_HUB_INIT_TIMEOUT_MS: '3000' }).limits.evictPendingAfterMs).toBe(1000);
    expect(readHubLimits({ EVENT_HUB_INIT_TIMEOUT_MS: '1000' }).limits.evictPendingAfterMs).toBe(500);
  });

  it('keeps the default, and says why, for a value that is not a positive integer', () => {
    const { limits, warnings } = readHubLimits({ EVENT_HUB_MAX_SOCKETS: 'lots', EVENT_HUB_MAX_SUBSCRIPTIONS: '0', EVENT_HUB_INIT_TIMEOUT_MS: '1.5' });
    expect(limits).toEqual(DEFAULT_HUB_LIMITS);
    expect(warnings).toEqual([
      'EVENT_HUB_MAX_SOCKETS="lots" is not a positive integer; using 1000',
      'EVENT_HUB_MAX_SUBSCRIPTIONS="0" is not a positive integer; using 20',
      'EVENT_HUB_INIT_TIMEOUT_MS="1.5" is not a positive integer; using 10000',
    ]);
  });

  it('never lets one document exceed the attachment budget', () => {
    const { limits, warnings } = readHubLimits({ EVENT_HUB_MAX_DOCUMENT_BYTES: '100000' });
    expect(limits.maxDocumentBytes).toBe(DEFAULT_HUB_LIMITS.maxAttachmentBytes);
    expect(warnings[0]).toMatch(/exceeds the \d+-byte attachment budget/);
  });

  it('caps sockets awaiting connection_init at 100 by default, never above the socket cap', () => {
    expect(DEFAULT_HUB_LIMITS.maxPendingSockets).toBe(100);
    expect(readHubLimits({ EVENT_HUB_MAX_SOCKETS: '40' })).toEqual({ limits: { ...DEFAULT_HUB_LIMITS, maxSockets: 40, maxPendingSockets: 40 }, warnings: [] });
    expect(readHubLimits({ EVENT_HUB_MAX_PENDING_SOCKETS: '25' }).limits.maxPendingSockets).toBe(25);
    expect(readHubLimits({ EVENT_HUB_MAX_PENDING_SOCKETS: 500 }).limits.maxPendingSockets).toBe(500);
    const above = readHubLimits({ EVENT_HUB_MAX_SOCKETS: '200', EVENT_HUB_MAX_PENDING_SOCKETS: '300' });
    expect(above.limits).toMatchObject({ maxSockets: 200, maxPendingSockets: 200 });
    expect(above.warnings).toEqual(['EVENT_HUB_MAX_PENDING_SOCKETS=300 exceeds EVENT_HUB_MAX_SOCKETS=200; using 200']);
    expect(readHubLimits({ EVENT_HUB_MAX_PENDING_SOCKETS: '1e3' }).warnings).toEqual(['EVENT_HUB_MAX_PENDING_SOCKETS="1e3" is not a positive integer; using 100']);
  });
});
