/**
 * The graphql-ws wire format (subprotocol `graphql-transport-ws`, node_modules/graphql-ws/PROTOCOL.md):
 * reading what a client sends, building what the server sends. No sockets here.
 *
 * The codec is graphql-ws's own: `validateMessage` decides whether a frame is a valid message,
 * `stringifyMessage` writes the server's messages, `CloseCode`/`MessageType` name them. The
 * library's server (`makeServer`) is not used: it keeps each connection in a closure and its init
 * timeout in a timer, neither of which survives the hub's hibernation (reducer.ts, init-timeout.ts).
 * What stays hand-written here is what the library leaves to its server: refusing binary frames,
 * bad JSON and server-to-client messages, wording a 4400's reason (the hub's reasons are part of
 * its wire contract), fitting a reason into a close frame, and the `next` frame a publish splices.
 */
import type { GraphQLFormattedError } from 'graphql';
import {
  CloseCode,
  MessageType,
  stringifyMessage,
  validateMessage,
  type CompleteMessage,
  type ConnectionAckMessage,
  type ErrorMessage,
  type Message,
  type PongMessage,
} from 'graphql-ws';

export interface CloseInstruction {
  code: number;
  reason: string;
}

/** The close for a failure that is ours, not the client's. */
export const INTERNAL_CLOSE: CloseInstruction = Object.freeze({ code: CloseCode.InternalServerError, reason: 'Internal server error' });

/** A close frame's reason is at most 123 bytes of UTF-8 (RFC 6455 §5.5). */
const MAX_CLOSE_REASON_BYTES = 123;

/**
 * `reason` if it fits in a close frame, `fallback` otherwise. (graphql-ws has its own, not
 * exported, which counts UTF-16 code units: a reason with non-ASCII characters could overflow.)
 */
export function limitCloseReason(reason: string, fallback: string): string {
  return utf8Length(reason) <= MAX_CLOSE_REASON_BYTES ? reason : fallback;
}

export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

type Payload = Record<string, unknown> | null;

/** A subscribe's payload with its optional fields read as null when absent. */
export interface SubscribePayload {
  query: string;
  variables: Record<string, unknown> | null;
  operationName: string | null;
  extensions: Record<string, unknown> | null;
}

/** What a client may send, as the reducer reads it: optional payloads are null when absent. */
export type ClientMessage =
  | { type: MessageType.ConnectionInit; payload: Payload }
  | { type: MessageType.Ping; payload: Payload }
  | { type: MessageType.Pong; payload: Payload }
  | { type: MessageType.Subscribe; id: string; payload: SubscribePayload }
  | { type: MessageType.Complete; id: string };

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; close: CloseInstruction };

/** Valid messages of the protocol that only a server sends; `validateMessage` accepts both directions. */
const SERVER_TO_CLIENT: ReadonlySet<unknown> = new Set([MessageType.ConnectionAck, MessageType.Next, MessageType.Error]);

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

/**
 * Parses one incoming frame. Anything that is not a valid client message of this protocol (a
 * binary frame, bad JSON, what graphql-ws's `validateMessage` refuses, a server-only type) is a
 * 4400 close, as the spec's "Invalid message" section requires.
 */
export function parseClientMessage(data: string | ArrayBuffer | ArrayBufferView): ParsedClientMessage {
  if (typeof data !== 'string') return invalid('Binary frames are not supported; send JSON text frames');
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return invalid('Message is not valid JSON');
  }
  // Before validating: a server-only type is refused as such, whatever its fields.
  if (isPlainObject(value) && SERVER_TO_CLIENT.has(value.type)) return invalid(`"${String(value.type)}" is a server-to-client message`);
  let message: Message;
  try {
    message = validateMessage(value);
  } catch (error) {
    return invalid(rejectionReason(value, error));
  }
  switch (message.type) {
    case MessageType.ConnectionInit:
    case MessageType.Ping:
    case MessageType.Pong:
      return { ok: true, message: { type: message.type, payload: message.payload ?? null } };
    case MessageType.Subscribe: {
      const { query, variables, operationName, extensions } = message.payload;
      return {
        ok: true,
        message: {
          type: message.type,
          id: message.id,
          payload: { query, variables: variables ?? null, operationName: operationName ?? null, extensions: extensions ?? null },
        },
      };
    }
    case MessageType.Complete:
      return { ok: true, message: { type: message.type, id: message.id } };
    default:
      return invalid(`"${message.type}" is a server-to-client message`); // filtered above; for the compiler
  }
}

/**
 * The 4400 reason for a message `validateMessage` refused. The library decides and names the
 * property it refused (`'type' property`, `'id' property`, `payload expects the 'query' property`,
 * ...); this only words the refusal the way the hub always has. A refusal it does not recognise
 * (a future graphql-ws wording) goes out in the library's words.
 */
function rejectionReason(value: unknown, error: unknown): string {
  const said = error instanceof Error ? error.message : String(error);
  if (!isPlainObject(value)) return `Message must be a JSON object, got ${describe(value)}`;
  // The first quoted property, before anything the message quotes from the frame itself.
  const property = /^[^']*'(\w+)' property/.exec(said)?.[1];
  const field = property && /^[^']* payload expects the '/.test(said) ? `payload.${property}` : property;
  const type = String(value.type);
  switch (field) {
    case 'type':
      return typeof value.type === 'string' && value.type !== ''
        ? limitCloseReason(`Unknown message type "${type}"`, 'Unknown message type')
        : "Message is missing a string 'type'";
    case 'id':
      return `"${type}" requires a non-empty string 'id'`;
    case 'payload':
      return type === MessageType.Subscribe ? `"${type}" payload must be an object` : `"${type}" payload must be an object, null or absent`;
    case 'payload.query':
      return `"${type}" payload.query must be a string`;
    case 'payload.operationName':
      return `"${type}" payload.operationName must be a string, null or absent`;
    case 'payload.variables':
    case 'payload.extensions':
      return `"${type}" ${field} must be an object, null or absent`;
    default:
      return said;
  }
}

/** A message a server sends (the hub's `next` frames go out through nextFrame). */
export type ServerMessage = Message<MessageType.ConnectionAck | MessageType.Pong | MessageType.Next | MessageType.Error | MessageType.Complete>;

/** The masked error for a failure that is ours, not the client's. */
export const INTERNAL_ERROR: GraphQLFormattedError = Object.freeze({
  message: 'Unexpected error.',
  extensions: { code: 'INTERNAL_SERVER_ERROR' },
});

export const connectionAck = (payload?: Record<string, unknown>): ConnectionAckMessage =>
  payload ? { type: MessageType.ConnectionAck, payload } : { type: MessageType.ConnectionAck };

/** A pong echoes the ping's payload, like the reference server. */
export const pong = (payload?: Record<string, unknown> | null): PongMessage =>
  payload ? { type: MessageType.Pong, payload } : { type: MessageType.Pong };

export const error = (id: string, payload: GraphQLFormattedError[]): ErrorMessage => ({ type: MessageType.Error, id, payload });

/** The server's end of an operation: nothing more comes for it (a finished run's catch-up, replay.ts). */
export const complete = (id: string): CompleteMessage => ({ type: MessageType.Complete, id });

/** graphql-ws's `stringifyMessage`: validates the message (an `error` needs at least one error) and writes it. */
export function serializeServerMessage(message: ServerMessage): string {
  return stringifyMessage(message);
}

/**
 * A `next` frame from a payload already serialised once: a publish that fans one execution out to
 * many subscribers stringifies the result once and only splices in each operation id. (Not
 * `stringifyMessage`, which would serialise the payload again for every subscriber.)
 */
export function nextFrame(id: string, payloadJson: string): string {
  return `{"id":${JSON.stringify(id)},"type":"next","payload":${payloadJson}}`;
}
