/**
 * The EventHub's limits, and reading them from the Worker's vars. Every limit has a default; a
 * var that is not a positive integer is ignored (with the reason returned, for a log line) rather
 * than taking the hub down.
 */
import { PLATFORM_ATTACHMENT_LIMIT_BYTES } from './connection-state';

export interface HubLimits {
  /** Sockets one hub shard accepts (`EVENT_HUB_MAX_SOCKETS`); beyond it the upgrade gets a 503. */
  maxSockets: number;
  /**
   * Of those, sockets still awaiting `connection_init` (`EVENT_HUB_MAX_PENDING_SOCKETS`); beyond
   * it the upgrade gets a 503 too. Without it anyone, with no key, could hold every socket of a
   * shard by reopening unauthenticated sockets each init timeout, and shut dashboards out.
   *
   * Default 100, and never more than `maxSockets` (with the default 1000 sockets, a tenth). An
   * init takes one round trip and one key lookup, so 100 pending still admits hundreds of
   * connections a second per shard when every dashboard reconnects at once (after a deploy); the
   * ones refused go to the next shard or retry, like after any failed handshake.
   */
  maxPendingSockets: number;
  /** Active subscriptions per socket (`EVENT_HUB_MAX_SUBSCRIPTIONS`). */
  maxSubscriptionsPerSocket: number;
  /** Bytes of one subscribe's query plus its JSON variables (`EVENT_HUB_MAX_DOCUMENT_BYTES`). */
  maxDocumentBytes: number;
  /** Budget for one socket's whole attachment, kept below the platform's 16 KiB. */
  maxAttachmentBytes: number;
  /** Time a socket has to send `connection_init` (`EVENT_HUB_INIT_TIMEOUT_MS`). */
  initTimeoutMs: number;
  /**
   * How long a socket must have waited for its `connection_init` before a hub at a cap may close
   * it to make room for a new socket (upgrade.ts admitUpgrade): 1 s, or half the init timeout if
   * that is shorter. A client sends its init within a round trip of the upgrade, so a burst of
   * real clients connecting at once never closes one another; a socket held open without one is
   * closed at the latest once it is this old, whenever a newcomer needs its place.
   */
  evictPendingAfterMs: number;
}

/** The longest evictPendingAfterMs is: a client's init arrives long before. */
export const MAX_EVICT_PENDING_AFTER_MS = 1000;

export const DEFAULT_HUB_LIMITS: HubLimits = Object.freeze({
  maxSockets: 1000,
  maxPendingSockets: 100,
  maxSubscriptionsPerSocket: 20,
  maxDocumentBytes: 4096,
  maxAttachmentBytes: PLATFORM_ATTACHMENT_LIMIT_BYTES - 1024,
  initTimeoutMs: 10_000,
  evictPendingAfterMs: MAX_EVICT_PENDING_AFTER_MS,
});

const VARS = {
  maxSockets: 'EVENT_HUB_MAX_SOCKETS',
  maxPendingSockets: 'EVENT_HUB_MAX_PENDING_SOCKETS',
  maxSubscriptionsPerSocket: 'EVENT_HUB_MAX_SUBSCRIPTIONS',
  maxDocumentBytes: 'EVENT_HUB_MAX_DOCUMENT_BYTES',
  initTimeoutMs: 'EVENT_HUB_INIT_TIMEOUT_MS',
} as const satisfies Partial<Record<keyof HubLimits, string>>;

/** The vars read, of any type (the Worker's `Env` declares them as optional strings, env.d.ts): `Env` is accepted as it is. */
export type HubLimitVars = Partial<Record<(typeof VARS)[keyof typeof VARS], unknown>>;

export function readHubLimits(vars: HubLimitVars): { limits: HubLimits; warnings: string[] } {
  const limits: HubLimits = { ...DEFAULT_HUB_LIMITS };
  const warnings: string[] = [];
  for (const [key, name] of Object.entries(VARS) as [keyof typeof VARS, (typeof VARS)[keyof typeof VARS]][]) {
    const raw = vars[name];
    if (raw === undefined || raw === null || raw === '') continue;
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value <= 0) {
      warnings.push(`${name}=${JSON.stringify(raw)} is not a positive integer; using ${limits[key]}`);
      continue;
    }
    limits[key] = value;
  }
  if (limits.maxPendingSockets > limits.maxSockets) {
    // The default quietly follows a smaller socket cap; an explicit value above it is worth a word.
    if (limits.maxPendingSockets !== DEFAULT_HUB_LIMITS.maxPendingSockets) {
      warnings.push(`${VARS.maxPendingSockets}=${limits.maxPendingSockets} exceeds ${VARS.maxSockets}=${limits.maxSockets}; using ${limits.maxSockets}`);
    }
    limits.maxPendingSockets = limits.maxSockets;
  }
  limits.evictPendingAfterMs = Math.min(MAX_EVICT_PENDING_AFTER_MS, Math.floor(limits.initTimeoutMs / 2));
  if (limits.maxDocumentBytes > limits.maxAttachmentBytes) {
    warnings.push(
      `${VARS.maxDocumentBytes}=${limits.maxDocumentBytes} exceeds the ${limits.maxAttachmentBytes}-byte attachment budget; using ${limits.maxAttachmentBytes}`,
    );
    limits.maxDocumentBytes = limits.maxAttachmentBytes;
  }
  return { limits, warnings };
}
