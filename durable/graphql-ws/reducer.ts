/**
 * One socket's protocol logic: given its state and a client message, the next state, what to send
 * and whether to close. The EventHub feeds it frames and persists the state; nothing here touches
 * a socket.
 */
import { stripIgnoredCharacters, type GraphQLFormattedError } from 'graphql';
import { CloseCode, MessageType } from 'graphql-ws';
import { estimateSerializedBytes, hasRole, type ConnectionAuth, type ConnectionState, type StoredSubscription } from './connection-state';
import type { SubscriptionExecutor } from './executor';
import type { HubLimits } from './limits';
import {
  connectionAck,
  error,
  INTERNAL_CLOSE,
  INTERNAL_ERROR,
  limitCloseReason,
  parseClientMessage,
  pong,
  utf8Length,
  type ClientMessage,
  type CloseInstruction,
  type ServerMessage,
} from './messages';

export interface ReducerDeps {
  authenticate: SubscriptionExecutor['authenticate'];
  validate: SubscriptionExecutor['validate'];
  limits: Pick<HubLimits, 'maxSubscriptionsPerSocket' | 'maxDocumentBytes' | 'maxAttachmentBytes'>;
}

export interface Transition {
  /** The same object when nothing changed, so the caller can skip rewriting the attachment. */
  state: ConnectionState;
  send: ServerMessage[];
  close?: CloseInstruction;
}

const close = (state: ConnectionState, code: number, reason: string): Transition => ({ state, send: [], close: { code, reason } });

const operationError = (state: ConnectionState, id: string, errors: GraphQLFormattedError[]): Transition => ({
  state,
  send: [error(id, errors)],
});

/** Parses a frame and handles it: the whole per-message decision. */
export async function handleClientFrame(
  state: ConnectionState,
  data: string | ArrayBuffer | ArrayBufferView,
  deps: ReducerDeps,
): Promise<Transition> {
  const parsed = parseClientMessage(data);
  if (!parsed.ok) return { state, send: [], close: parsed.close };
  return handleClientMessage(state, parsed.message, deps);
}

export async function handleClientMessage(state: ConnectionState, message: ClientMessage, deps: ReducerDeps): Promise<Transition> {
  switch (message.type) {
    case MessageType.ConnectionInit:
      return connectionInit(state, message.payload, deps);
    case MessageType.Ping:
      return { state, send: [pong(message.payload)] };
    case MessageType.Pong:
      return { state, send: [] };
    case MessageType.Subscribe:
      return subscribe(state, message.id, message.payload, deps);
    case MessageType.Complete: {
      // Completing an unknown or already finished operation is not an error (spec: "Complete").
      if (!Object.hasOwn(state.subscriptions, message.id)) return { state, send: [] };
      const { [message.id]: _completed, ...rest } = state.subscriptions;
      return { state: { ...state, subscriptions: rest }, send: [] };
    }
  }
}

async function connectionInit(state: ConnectionState, payload: Record<string, unknown> | null, deps: ReducerDeps): Promise<Transition> {
  if (state.phase !== 'awaiting_init') {
    return close(state, CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
  }
  // The contract says `authorization`; `Authorization` is what many clients send by habit.
  const authorization = payload?.authorization ?? payload?.Authorization;
  if (typeof authorization !== 'string' || authorization === '') return close(state, CloseCode.Forbidden, 'Forbidden');
  let auth: ConnectionAuth | null;
  try {
    auth = await deps.authenticate(authorization);
  } catch {
    return { state, send: [], close: INTERNAL_CLOSE };
  }
  if (!auth || !hasRole(auth, 'viewer')) return close(state, CloseCode.Forbidden, 'Forbidden');
  return {
    state: { ...state, phase: 'ready', auth: plainJson({ role: auth.role, keyName: auth.keyName }) },
    send: [connectionAck()],
  };
}

function documentBytes(query: string, variables: Record<string, unknown> | null, operationName: string | null): number {
  return utf8Length(query) + (variables ? utf8Length(JSON.stringify(variables)) : 0) + (operationName ? utf8Length(operationName) : 0);
}

function compact(query: string): string {
  try {
    return stripIgnoredCharacters(query);
  } catch {
    return query; // validate accepted it; keep it as sent
  }
}

/**
 * A JSON round trip: the stored subscription is plain JSON (a custom scalar's argument value
 * becomes what it serialises to), and every string is rebuilt from its characters. The second part
 * matters for the size budget: a string sliced out of a source with a non-Latin-1 character (the
 * compacted query, a literal argument) can keep V8's two-byte form, twice the bytes the estimate
 * assumes; JSON.parse stores each string one-byte when its characters allow.
 */
function plainJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

async function subscribe(
  state: ConnectionState,
  id: string,
  payload: { query: string; variables: Record<string, unknown> | null; operationName: string | null },
  deps: ReducerDeps,
): Promise<Transition> {
  if (state.phase !== 'ready' || !state.auth) return close(state, CloseCode.Unauthorized, 'Unauthorized');
  if (Object.hasOwn(state.subscriptions, id)) {
    return close(state, CloseCode.SubscriberAlreadyExists, limitCloseReason(`Subscriber for ${id} already exists`, 'Subscriber already exists'));
  }

  const { maxSubscriptionsPerSocket, maxDocumentBytes, maxAttachmentBytes } = deps.limits;
  if (Object.keys(state.subscriptions).length >= maxSubscriptionsPerSocket) {
    return operationError(state, id, [
      {
        message: `Too many subscriptions on this connection (at most ${maxSubscriptionsPerSocket}); complete one or open another connection`,
        extensions: { code: 'BAD_USER_INPUT', limit: maxSubscriptionsPerSocket },
      },
    ]);
  }

  const { query, variables, operationName } = payload;
  const size = documentBytes(query, variables, operationName);
  if (size > maxDocumentBytes) {
    return operationError(state, id, [
      {
        message: `Subscription document is too large: ${size} bytes with its variables (at most ${maxDocumentBytes})`,
        extensions: { code: 'BAD_USER_INPUT', limit: maxDocumentBytes },
      },
    ]);
  }

  let validated: Awaited<ReturnType<ReducerDeps['validate']>>;
  try {
    validated = await deps.validate({ query, variables, operationName, auth: state.auth });
  } catch {
    return operationError(state, id, [INTERNAL_ERROR]);
  }
  if ('errors' in validated) {
    return operationError(state, id, validated.errors.length > 0 ? validated.errors : [INTERNAL_ERROR]);
  }

  const subscription = plainJson<StoredSubscription>({ query: compact(query), variables, operationName, field: validated.field, args: validated.args });
  const nextState: ConnectionState = { ...state, subscriptions: { ...state.subscriptions, [id]: subscription } };
  if (estimateSerializedBytes(nextState) > maxAttachmentBytes) {
    return operationError(state, id, [
      {
        message: `This connection's subscriptions would exceed the ${maxAttachmentBytes}-byte state kept per connection; complete some subscriptions, use smaller documents or open another connection`,
        extensions: { code: 'BAD_USER_INPUT', limit: maxAttachmentBytes },
      },
    ]);
  }
  return { state: nextState, send: [] };
}

/**
 * What to do when the runtime refused to store a transition's state (serializeAttachment threw
 * although the estimate said it would fit; connection-state.ts explains how that could happen).
 * The previous state is still the stored one: a subscribe that added an operation gets an error
 * for it, and anything else is our fault and closes the socket.
 */
export function refuseUnstorableState(before: ConnectionState, after: ConnectionState): Transition {
  const added = Object.keys(after.subscriptions).find((id) => !Object.hasOwn(before.subscriptions, id));
  if (added === undefined) return { state: before, send: [], close: INTERNAL_CLOSE };
  return operationError(before, added, [
    {
      message: "This connection's subscriptions are too large to keep; complete some subscriptions or open another connection",
      extensions: { code: 'BAD_USER_INPUT' },
    },
  ]);
}
