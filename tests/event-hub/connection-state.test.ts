import { describe, expect, it } from 'vitest';
import {
  estimateSerializedBytes,
  hasRole,
  initialConnectionState,
  PLATFORM_ATTACHMENT_LIMIT_BYTES,
  readConnectionState,
  type ConnectionState,
} from '../../durable/graphql-ws/connection-state';
import { handleClientFrame } from '../../durable/graphql-ws/reducer';
import { completedSub, deps, readyState, T0, updatedSub } from './helpers';

/** What workerd's serializeAttachment says it would store, read from its error when over the limit. */
function refusedBytes(value: unknown): number {
  try {
    new WebSocketPair()[1].serializeAttachment(value);
  } catch (error) {
    const match = /was (\d+) bytes/.exec(String(error));
    if (match) return Number(match[1]);
  }
  throw new Error('expected serializeAttachment to refuse the value');
}

/**
 * The bytes the runtime takes for `value`: serialised beside a padding string that pushes it over
 * the limit, minus what the padding alone takes. (An empty string element is 2 bytes; the header
 * is 2.)
 */
function platformBytes(value: unknown): number {
  const pad = 'x'.repeat(PLATFORM_ATTACHMENT_LIMIT_BYTES);
  return refusedBytes([value, pad]) - refusedBytes(['', pad]) + 2 + 2;
}

describe('the attachment size estimate', () => {
  const samples: Array<[string, unknown]> = [
    ['a fresh connection', initialConnectionState(T0)],
    ['a ready connection', readyState('operator')],
    ['two subscriptions', readyState('viewer', { '1': updatedSub('9f1e0c52-8f4f-4a0e-9d7e-0f2b9a1c3d4e'), a: completedSub() })],
    ['Latin-1 text', readyState('viewer', { 'é': updatedSub('café') })],
    ['non-Latin-1 text', readyState('viewer', { '→': updatedSub('健康'), x: completedSub({ operationName: 'Überwachung' }) })],
    ['nested variables', readyState('viewer', { n: updatedSub(null, { variables: { a: [1, 2.5, -3, null, true, { b: 'c' }], big: 2 ** 40 } }) })],
    [
      'strings parsed from a two-byte JSON frame',
      JSON.parse(JSON.stringify(readyState('viewer', { '1': updatedSub('plain-ascii', { operationName: 'Ω' }) }))),
    ],
  ];

  it.each(samples)('never undercounts what the runtime stores (%s)', (_name, value) => {
    const actual = platformBytes(value);
    const estimate = estimateSerializedBytes(value);
    expect(estimate).toBeGreaterThanOrEqual(actual);
    expect(estimate - actual).toBeLessThanOrEqual(Math.max(16, actual * 0.1));
  });

  it('holds for what the reducer stores from a document with non-Latin-1 comments and literals', async () => {
    // Slices of a source holding a non-Latin-1 character can stay two-byte in V8; the reducer
    // rebuilds the strings it stores so the estimate holds.
    const query = '# watch → runs\nsubscription { healthCheckUpdated(uuid: "9f1e-literal") { type } }';
    const validate = () => ({ field: 'healthCheckUpdated', args: { uuid: query.slice(query.indexOf('"') + 1, query.lastIndexOf('"')) } });
    const { state } = await handleClientFrame(readyState(), JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }), deps({ validate }));
    expect(state.subscriptions['1']).toMatchObject({ query: 'subscription{healthCheckUpdated(uuid:"9f1e-literal"){type}}', args: { uuid: '9f1e-literal' } });
    expect(estimateSerializedBytes(state)).toBeGreaterThanOrEqual(platformBytes(state));
  });

  it('is exact enough that a state estimated at the limit is accepted by the runtime', () => {
    const base: ConnectionState = readyState('viewer', { '1': updatedSub('x') });
    const room = PLATFORM_ATTACHMENT_LIMIT_BYTES - estimateSerializedBytes(base);
    const filled = readyState('viewer', { '1': updatedSub('x', { query: updatedSub().query + ' '.repeat(room - 4) }) });
    expect(estimateSerializedBytes(filled)).toBeLessThanOrEqual(PLATFORM_ATTACHMENT_LIMIT_BYTES);
    expect(() => new WebSocketPair()[1].serializeAttachment(filled)).not.toThrow();
  });

  it('matches the platform limit of 16 KiB', () => {
    const socket = new WebSocketPair()[1];
    // header 2 + string tag 1 + varint length 2 + the characters
    expect(() => socket.serializeAttachment('x'.repeat(PLATFORM_ATTACHMENT_LIMIT_BYTES - 5))).not.toThrow();
    expect(() => socket.serializeAttachment('x'.repeat(PLATFORM_ATTACHMENT_LIMIT_BYTES - 4))).toThrow(/cannot be larger than 16384 bytes/);
    expect(estimateSerializedBytes('x'.repeat(PLATFORM_ATTACHMENT_LIMIT_BYTES - 5))).toBe(PLATFORM_ATTACHMENT_LIMIT_BYTES);
  });
});

describe('readConnectionState', () => {
  it('accepts what the hub stores, after a structured-clone round trip', () => {
    const state = readyState('admin', { a: updatedSub('hc-1'), b: completedSub() });
    expect(readConnectionState(structuredClone(state))).toEqual(state);
    expect(readConnectionState(initialConnectionState(T0))).toEqual(initialConnectionState(T0));
  });

  it.each([
    ['null', null],
    ['a string', 'ready'],
    ['an unknown phase', { ...initialConnectionState(T0), phase: 'open' }],
    ['a ready state without auth', { ...initialConnectionState(T0), phase: 'ready' }],
    ['an unknown role', { ...readyState(), auth: { role: 'root', keyName: 'k' } }],
    ['a bad subscription', { ...readyState(), subscriptions: { a: { query: 1 } } }],
    ['a missing connectedAt', { phase: 'awaiting_init', auth: null, subscriptions: {} }],
  ])('rejects %s', (_name, value) => {
    expect(readConnectionState(value)).toBeNull();
  });
});

describe('hasRole', () => {
  it('orders viewer < operator < admin', () => {
    expect(hasRole({ role: 'viewer' }, 'viewer')).toBe(true);
    expect(hasRole({ role: 'admin' }, 'viewer')).toBe(true);
    expect(hasRole({ role: 'operator' }, 'admin')).toBe(false);
    expect(hasRole({ role: 'toString' }, 'viewer')).toBe(false);
    expect(hasRole(null, 'viewer')).toBe(false);
  });
});
