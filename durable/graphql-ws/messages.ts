/**
 * The graphql-ws wire format (subprotocol `graphql-transport-ws`, node_modules/graphql-ws/PROTOCOL.md):
 * parsing what a client sends, building what the server sends. No sockets here.
 */
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';

export const GRAPHQL_TRANSPORT_WS_PROTOCOL = 'graphql-transport-ws';

/** Close codes, as the graphql-ws spec and its reference server use them. */
export const CloseCode = {
  BadRequest: 4400,
  Unauthorized: 4401,
  Forbidden: 4403,
  ConnectionInitialisationTimeout: 4408,
  SubscriberAlreadyExists: 4409,
  TooManyInitialisationRequests: 4429,
  InternalServerError: 4500,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export interface CloseInstruction {
  code: number;
  reason: string;
}

/** A close frame's reason is at most 123 bytes of UTF-8 (RFC 6455 §5.5). */
export const MAX_CLOSE_REASON_BYTES = 123;

/** `reason` if it fits in a close frame, `fallback` otherwise. */
export function limitCloseReason(reason: string, fallback: string): string {
  return utf8Length(reason) <= MAX_CLOSE_REASON_BYTES ? reason : fallback;
}

export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

type Payload = Record<string, unknown> | null;

export interface SubscribePayload {
  query: string;
  variables: Record<string, unknown> | null;
  operationName: string | null;
  extensions: Record<string, unknown> | null;
}

export type ClientMessage =
  | { type: 'connection_init'; payload: Payload }
  | { type: 'ping'; payload: Payload }
  | { type: 'pong'; payload: Payload }
  | { type: 'subscribe'; id: string; payload: SubscribePayload }
  | { type: 'complete'; id: string };

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; close: CloseInstruction };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function invalid(reason: string): ParsedClientMessage {
  return { ok: false, close: { code: CloseCode.BadRequest, reason: limitCloseReason(reason, 'Invalid message received') } };
}

function optionalObject(value: unknown): value is Payload | undefined {
  return value === undefined || value === null || isPlainObject(value);
}

/**
 * Parses one incoming frame. Anything that is not a valid client message of this protocol (a
 * binary frame, bad JSON, an unknown or server-only type, a wrong field) is a 4400 close, as the
 * spec's "Invalid message" section requires.
 */
export function parseClientMessage(data: string | ArrayBuffer | ArrayBufferView): ParsedClientMessage {
  if (typeof data !== 'string') return invalid('Binary frames are not supported; send JSON text frames');
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return invalid('Message is not valid JSON');
  }
  if (!isPlainObject(value)) return invalid(`Message must be a JSON object, got ${describe(value)}`);
  const { type } = value;
  if (typeof type !== 'string' || type === '') return invalid("Message is missing a string 'type'");

  switch (type) {
    case 'connection_init':
    case 'ping':
    case 'pong': {
      if (!optionalObject(value.payload)) return invalid(`"${type}" payload must be an object, null or absent`);
      return { ok: true, message: { type, payload: (value.payload as Payload | undefined) ?? null } };
    }
    case 'subscribe': {
      const { id, payload } = value;
      if (typeof id !== 'string' || id === '') return invalid('"subscribe" requires a non-empty string \'id\'');
      if (!isPlainObject(payload)) return invalid('"subscribe" payload must be an object');
      if (typeof payload.query !== 'string') return invalid('"subscribe" payload.query must be a string');
      if (!optionalObject(payload.variables)) return invalid('"subscribe" payload.variables must be an object, null or absent');
      if (payload.operationName != null && typeof payload.operationName !== 'string') {
        return invalid('"subscribe" payload.operationName must be a string, null or absent');
      }
      if (!optionalObject(payload.extensions)) return invalid('"subscribe" payload.extensions must be an object, null or absent');
      return {
        ok: true,
        message: {
          type,
          id,
          payload: {
            query: payload.query,
            variables: (payload.variables as Payload | undefined) ?? null,
            operationName: (payload.operationName as string | null | undefined) ?? null,
            extensions: (payload.extensions as Payload | undefined) ?? null,
          },
        },
      };
    }
    case 'complete': {
      const { id } = value;
      if (typeof id !== 'string' || id === '') return invalid('"complete" requires a non-empty string \'id\'');
      return { ok: true, message: { type, id } };
    }
    case 'connection_ack':
    case 'next':
    case 'error':
      return invalid(`"${type}" is a server-to-client message`);
    default:
      return invalid(limitCloseReason(`Unknown message type "${type}"`, 'Unknown message type'));
  }
}

export type ServerMessage =
  | { type: 'connection_ack'; payload?: Record<string, unknown> }
  | { type: 'pong'; payload?: Record<string, unknown> }
  | { type: 'next'; id: string; payload: FormattedExecutionResult }
  | { type: 'error'; id: string; payload: GraphQLFormattedError[] }
  | { type: 'complete'; id: string };

/** The masked error for a failure that is ours, not the client's. */
export const INTERNAL_ERROR: GraphQLFormattedError = Object.freeze({
  message: 'Unexpected error.',
  extensions: { code: 'INTERNAL_SERVER_ERROR' },
});

export const connectionAck = (payload?: Record<string, unknown>): ServerMessage =>
  payload ? { type: 'connection_ack', payload } : { type: 'connection_ack' };

/** A pong echoes the ping's payload, like the reference server. */
export const pong = (payload?: Record<string, unknown> | null): ServerMessage => (payload ? { type: 'pong', payload } : { type: 'pong' });

export const next = (id: string, payload: FormattedExecutionResult): ServerMessage => ({ type: 'next', id, payload });

export const error = (id: string, payload: GraphQLFormattedError[]): ServerMessage => ({ type: 'error', id, payload });

export const complete = (id: string): ServerMessage => ({ type: 'complete', id });

export function serializeServerMessage(message: ServerMessage): string {
  return JSON.stringify(message);
}

/**
 * A `next` frame from a payload already serialised once: a publish that fans one execution out to
 * many subscribers stringifies the result once and only splices in each operation id.
 */
export function nextFrame(id: string, payloadJson: string): string {
  return `{"id":${JSON.stringify(id)},"type":"next","payload":${payloadJson}}`;
}
