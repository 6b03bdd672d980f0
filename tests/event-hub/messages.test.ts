import { describe, expect, it } from 'vitest';
import { CloseCode, MessageType, validateMessage } from 'graphql-ws';
import { connectionAck, error, limitCloseReason, nextFrame, parseClientMessage, pong, serializeServerMessage } from '../../durable/graphql-ws/messages';

describe('parseClientMessage', () => {
  it('reads each client message type, filling absent optional fields with null', () => {
    expect(parseClientMessage('{"type":"connection_init","payload":{"authorization":"Bearer k"}}')).toEqual({
      ok: true,
      message: { type: 'connection_init', payload: { authorization: 'Bearer k' } },
    });
    expect(parseClientMessage('{"type":"connection_init"}')).toEqual({ ok: true, message: { type: 'connection_init', payload: null } });
    expect(parseClientMessage('{"type":"ping","payload":{"t":1}}')).toEqual({ ok: true, message: { type: 'ping', payload: { t: 1 } } });
    expect(parseClientMessage('{"type":"pong"}')).toEqual({ ok: true, message: { type: 'pong', payload: null } });
    expect(parseClientMessage('{"id":"1","type":"complete"}')).toEqual({ ok: true, message: { type: 'complete', id: '1' } });
    expect(parseClientMessage(JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: 'subscription{x}' } }))).toEqual({
      ok: true,
      message: { type: 'subscribe', id: 'a', payload: { query: 'subscription{x}', variables: null, operationName: null, extensions: null } },
    });
  });

  it('accepts exactly what the graphql-ws client sends', () => {
    const sent = { id: '0b1c', type: 'subscribe', payload: { query: 'subscription S { a }', variables: { x: 1 }, operationName: 'S', extensions: {} } };
    expect(validateMessage(sent)).toBeTruthy();
    const parsed = parseClientMessage(JSON.stringify(sent));
    expect(parsed).toEqual({ ok: true, message: sent });
  });

  const bad: Array<[string, string | ArrayBuffer, RegExp]> = [
    ['a binary frame', new TextEncoder().encode('{"type":"ping"}').buffer as ArrayBuffer, /Binary frames/],
    ['bad JSON', '{"type":', /not valid JSON/],
    ['a JSON array', '[]', /must be a JSON object, got array/],
    ['a JSON null', 'null', /got null/],
    ['no type', '{"id":"1"}', /missing a string 'type'/],
    ['a number type', '{"type":1}', /missing a string 'type'/],
    ['an unknown type', '{"type":"start","id":"1"}', /Unknown message type "start"/],
    ['a server-only type', '{"type":"connection_ack"}', /server-to-client/],
    ['a next from the client', '{"type":"next","id":"1","payload":{}}', /server-to-client/],
    ['a string init payload', '{"type":"connection_init","payload":"token"}', /payload must be an object/],
    ['an array ping payload', '{"type":"ping","payload":[]}', /payload must be an object/],
    ['subscribe without id', '{"type":"subscribe","payload":{"query":"{a}"}}', /non-empty string 'id'/],
    ['subscribe with an empty id', '{"type":"subscribe","id":"","payload":{"query":"{a}"}}', /non-empty string 'id'/],
    ['subscribe with a numeric id', '{"type":"subscribe","id":1,"payload":{"query":"{a}"}}', /non-empty string 'id'/],
    ['subscribe without payload', '{"type":"subscribe","id":"1"}', /payload must be an object/],
    ['subscribe without query', '{"type":"subscribe","id":"1","payload":{}}', /query must be a string/],
    ['subscribe with array variables', '{"type":"subscribe","id":"1","payload":{"query":"{a}","variables":[1]}}', /variables must be an object/],
    ['subscribe with a numeric operationName', '{"type":"subscribe","id":"1","payload":{"query":"{a}","operationName":3}}', /operationName/],
    ['subscribe with string extensions', '{"type":"subscribe","id":"1","payload":{"query":"{a}","extensions":"x"}}', /extensions/],
    ['complete without id', '{"type":"complete"}', /non-empty string 'id'/],
  ];
  it.each(bad)('closes 4400 on %s', (_name, data, reason) => {
    const parsed = parseClientMessage(data);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.close.code).toBe(CloseCode.BadRequest);
    expect(parsed.close.reason).toMatch(reason);
  });

  it("refuses exactly what graphql-ws's validateMessage refuses, besides frames and types it leaves to a server", () => {
    const leftToTheServer = /Binary frames|not valid JSON|server-to-client/;
    for (const [name, data, reason] of bad) {
      if (leftToTheServer.test(reason.source)) continue;
      expect(() => validateMessage(JSON.parse(data as string)), name).toThrow();
    }
    // What the library accepts from a client, the hub accepts too.
    for (const message of [
      { type: 'connection_init', payload: null },
      { type: 'ping' },
      { type: 'pong', payload: { t: 1 } },
      { id: '1', type: 'subscribe', payload: { query: '{a}', variables: null, operationName: null, extensions: null } },
      { id: '1', type: 'complete' },
    ]) {
      expect(validateMessage(message)).toBe(message);
      expect(parseClientMessage(JSON.stringify(message)).ok).toBe(true);
    }
    // The library accepts these in both directions; a client may not send them.
    for (const message of [{ type: 'connection_ack' }, { id: '1', type: 'next', payload: {} }, { id: '1', type: 'error', payload: [{ message: 'x' }] }]) {
      expect(validateMessage(message)).toBe(message);
      expect(parseClientMessage(JSON.stringify(message))).toMatchObject({ ok: false, close: { code: 4400, reason: `"${message.type}" is a server-to-client message` } });
    }
  });

  it('keeps every close reason within the 123 bytes a close frame allows', () => {
    const parsed = parseClientMessage(JSON.stringify({ type: 'x'.repeat(500) }));
    expect(parsed).toEqual({ ok: false, close: { code: 4400, reason: 'Unknown message type' } });
    expect(limitCloseReason('é'.repeat(62), 'short')).toBe('short'); // 124 bytes of UTF-8
    expect(limitCloseReason('é'.repeat(61), 'short')).toBe('é'.repeat(61));
  });
});

describe('server messages', () => {
  it('serialises to what the graphql-ws client validates', () => {
    for (const message of [
      connectionAck(),
      pong({ t: 1 }),
      pong(null),
      { type: MessageType.Next as const, id: '1', payload: { data: { a: 1 } } },
      error('1', [{ message: 'bad' }]),
      { type: MessageType.Complete as const, id: '1' },
    ]) {
      expect(validateMessage(JSON.parse(serializeServerMessage(message)))).toEqual(message);
    }
  });

  it('refuses to write a message graphql-ws would not accept', () => {
    expect(() => serializeServerMessage(error('1', []))).toThrow(/array of GraphQL errors/);
  });

  it('pong echoes a ping payload and omits an absent one', () => {
    expect(pong({ t: 1 })).toEqual({ type: 'pong', payload: { t: 1 } });
    expect(pong(null)).toEqual({ type: 'pong' });
  });

  it('nextFrame splices an id into a payload serialised once', () => {
    const payload = JSON.stringify({ data: { healthCheckUpdated: { type: 'STARTED' } } });
    const text = nextFrame('op "1"', payload);
    expect(JSON.parse(text)).toEqual({ id: 'op "1"', type: 'next', payload: { data: { healthCheckUpdated: { type: 'STARTED' } } } });
    expect(validateMessage(JSON.parse(text))).toBeTruthy();
  });
});
