/**
 * What the EventHub keeps per socket, in the socket's attachment (`serializeAttachment`), so a
 * connection survives the Durable Object's hibernation. Nothing else about a connection is kept.
 */
import { API_KEY_ROLES, roleAtLeast, type ApiKeyRole } from '../../db/api-keys';

export interface ConnectionAuth {
  role: ApiKeyRole;
  /** The API key's name (never the key). */
  keyName: string;
}

export interface StoredSubscription {
  /** The document as stored: the client's query with ignored characters stripped. */
  query: string;
  variables: Record<string, unknown> | null;
  operationName: string | null;
  /** The subscription root field (`healthCheckUpdated`, `healthCheckCompleted`). */
  field: string;
  /** That field's argument values, variables applied. Used for matching events. */
  args: Record<string, unknown>;
  /**
   * For a `healthCheckUpdated(uuid)` subscription once its catch-up is sent: the last sequence the
   * catch-up sent. A live event at or below it was in the catch-up already and is not sent again
   * (replay.ts). Absent until then, and for every other subscription.
   */
  after?: number;
}

export interface ConnectionState {
  phase: 'awaiting_init' | 'ready';
  /** Epoch milliseconds the socket was accepted; the connection-init timeout counts from here. */
  connectedAt: number;
  auth: ConnectionAuth | null;
  subscriptions: Record<string, StoredSubscription>;
}

export function initialConnectionState(now: number): ConnectionState {
  return { phase: 'awaiting_init', connectedAt: now, auth: null, subscriptions: {} };
}

function isRole(value: unknown): value is ApiKeyRole {
  return typeof value === 'string' && (API_KEY_ROLES as readonly string[]).includes(value);
}

/** The one role ranking (db/api-keys.ts), over a role read back from a socket's attachment. */
export function hasRole(auth: { role: unknown } | null | undefined, required: ApiKeyRole): boolean {
  return auth != null && isRole(auth.role) && roleAtLeast(auth.role, required);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Narrows whatever `deserializeAttachment()` returned; null when it is not a connection state. */
export function readConnectionState(attachment: unknown): ConnectionState | null {
  if (!isRecord(attachment)) return null;
  const { phase, connectedAt, auth, subscriptions } = attachment;
  if (phase !== 'awaiting_init' && phase !== 'ready') return null;
  if (typeof connectedAt !== 'number' || !Number.isFinite(connectedAt)) return null;
  if (auth !== null && !(isRecord(auth) && isRole(auth.role) && typeof auth.keyName === 'string')) return null;
  if (phase === 'ready' && auth === null) return null;
  if (!isRecord(subscriptions)) return null;
  for (const sub of Object.values(subscriptions)) {
    if (!isRecord(sub) || typeof sub.query !== 'string' || typeof sub.field !== 'string' || !isRecord(sub.args)) return null;
  }
  return attachment as unknown as ConnectionState;
}

/**
 * The platform's limit on one socket's serialised attachment: 16 KiB (it was 2 KiB until
 * workerd#6141, Feb 2026; the local workerd throws "A WebSocket 'attachment' cannot be larger
 * than 16384 bytes"). The hub keeps a margin below it (see limits.ts).
 */
export const PLATFORM_ATTACHMENT_LIMIT_BYTES = 16 * 1024;

function varintLength(n: number): number {
  let length = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    length++;
  }
  return length;
}

function isOneByte(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

function stringBytes(text: string): number {
  // V8 writes a tag, a varint byte length, and the characters as Latin-1 (1 byte each) when
  // every character fits, else as UTF-16 (2 bytes each) with up to one alignment byte.
  const bytes = isOneByte(text) ? text.length : text.length * 2 + 1;
  return 1 + varintLength(bytes) + bytes;
}

function valueBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'number':
      return 9; // a tag and at most an 8-byte double
    case 'boolean':
    case 'undefined':
      return 1;
    case 'object': {
      if (value === null) return 1;
      if (Array.isArray(value)) {
        let total = 1 + varintLength(value.length) + 1 + 2 * varintLength(value.length);
        for (const item of value) total += valueBytes(item);
        return total;
      }
      const entries = Object.entries(value);
      let total = 1 + 1 + varintLength(entries.length);
      for (const [key, item] of entries) total += stringBytes(key) + valueBytes(item);
      return total;
    }
    default:
      return Number.POSITIVE_INFINITY; // functions, symbols, bigints: not stored here
  }
}

/**
 * An upper bound of the bytes `serializeAttachment(value)` takes for the JSON-like values kept
 * here (V8's structured-clone format: a 2-byte header, tags, varint lengths). tests/event-hub
 * checks it against the real runtime. It assumes the runtime stores a string whose characters
 * all fit in Latin-1 as one-byte; the hub still catches a throwing `serializeAttachment`.
 */
export function estimateSerializedBytes(value: unknown): number {
  return 2 + valueBytes(value);
}
