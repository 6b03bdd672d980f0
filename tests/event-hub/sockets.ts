/**
 * WebSockets for tests in workerd: a raw graphql-ws speaker (to send what a real client never
 * would), and a WebSocket constructor that the real `graphql-ws` client can use, upgrading through
 * the orchestrator's own fetch handler (`exports.default.fetch`) instead of the network.
 */
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';

export const upgradeHeaders = { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'graphql-transport-ws' } as const;

export function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every socket a test opened, closed after it (so the hub shards are free for the next test). */
const open = new Set<WebSocket>();

export function closeAllSockets(): void {
  for (const ws of open) {
    try {
      ws.close(1000, 'test over');
    } catch {
      // already closed
    }
  }
  open.clear();
}

export interface RawClient {
  ws: WebSocket;
  send(message: unknown): void;
  /** The next server message, parsed. */
  next(): Promise<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once every earlier server message has arrived (a ping's pong comes after them). */
  quiet(): Promise<void>;
}

/** Accepts the client end of an upgrade and queues what the server sends. */
export function rawClient(ws: WebSocket): RawClient {
  const inbox: Record<string, unknown>[] = [];
  const waiting: ((message: Record<string, unknown>) => void)[] = [];
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(event.data as string);
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener('close', (e) => {
      open.delete(ws);
      resolve({ code: e.code, reason: e.reason });
    }),
  );
  ws.accept();
  open.add(ws);
  let pings = 0;
  const client: RawClient = {
    ws,
    send: (message) => ws.send(typeof message === 'string' || message instanceof Uint8Array ? message : JSON.stringify(message)),
    next: () => within(inbox.length ? Promise.resolve(inbox.shift()!) : new Promise((resolve) => waiting.push(resolve)), 'a message'),
    closed: within(closed, 'the socket to close'),
    async quiet() {
      // Not the bare '{"type":"ping"}' the runtime answers by itself: this one reaches the hub.
      const payload = { quiet: ++pings };
      client.send({ type: 'ping', payload });
      expect(await client.next()).toEqual({ type: 'pong', payload });
    },
  };
  client.closed.catch(() => {}); // only awaited by some tests
  return client;
}

/** Opens a graphql-ws socket to the orchestrator's /graphql; expects the upgrade to succeed. */
export async function connectToOrchestrator(query = ''): Promise<RawClient> {
  const response = await exports.default.fetch(`http://orchestrator/graphql${query}`, { headers: upgradeHeaders });
  expect(response.status).toBe(101);
  expect(response.headers.get('Sec-WebSocket-Protocol')).toBe('graphql-transport-ws');
  return rawClient(response.webSocket!);
}

/**
 * A WebSocket constructor for `createClient({ webSocketImpl })`. A refused upgrade (a full hub's
 * 503) ends as a browser's does, an `error` then a 1006 `close`; the reason carries the refusal's
 * status and body, which a browser hides and Node's `ws` reports as an unexpected response.
 */
export class WorkerWebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readyState = 0;
  protocol = '';
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  private socket: WebSocket | null = null;

  constructor(url: string, protocol: string | string[]) {
    super();
    const protocols = Array.isArray(protocol) ? protocol.join(', ') : protocol;
    void exports.default
      .fetch(url.replace(/^ws/, 'http'), { headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': protocols } })
      .then(async (response) => {
        const ws = response.webSocket;
        if (!ws) {
          const reason = `${response.status} ${(await response.text()).trim()}`;
          this.readyState = WorkerWebSocket.CLOSED;
          this.onerror?.(new Event('error'));
          this.onclose?.(new CloseEvent('close', { code: 1006, reason, wasClean: false }));
          return;
        }
        this.socket = ws;
        this.protocol = response.headers.get('Sec-WebSocket-Protocol') ?? '';
        ws.addEventListener('message', (event) => this.onmessage?.(event));
        ws.addEventListener('close', (event) => {
          open.delete(ws);
          this.readyState = WorkerWebSocket.CLOSED;
          this.onclose?.(event);
        });
        ws.accept();
        open.add(ws);
        this.readyState = WorkerWebSocket.OPEN;
        this.onopen?.(new Event('open'));
      });
  }

  send(data: string) {
    this.socket!.send(data);
  }

  close(code?: number, reason?: string) {
    this.readyState = WorkerWebSocket.CLOSING;
    this.socket?.close(code, reason);
  }
}
