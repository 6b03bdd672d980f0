/**
 * Subscribers over graphql-ws (the npm client, as any dashboard or CLI uses it), spread over the
 * hub shards by `?clientId=` (the router hashes it to a shard), and ping probes: raw graphql-ws
 * sockets that send `{"type":"ping"}` every few milliseconds without waiting and time each `pong`
 * (a hub answers them in order), so a ping stuck behind a fan-out is timed with its whole wait.
 */
import { createClient, type Client } from 'graphql-ws';
import { pool, sleep } from './graphql';

export interface Arrival {
  type: string;
  healthCheckUuid: string;
  at: number;
}

export interface Subscriber {
  client: Client;
  arrivals: Arrival[];
  unsubscribe: (() => void) | null;
}

const wsUrl = (baseUrl: string, clientId: string) => `${baseUrl.replace(/^http/, 'ws')}/graphql?clientId=${encodeURIComponent(clientId)}`;

/** Opens `count` sockets (each its own graphql-ws client, connection acknowledged), `concurrency` at a time. */
export async function connectSubscribers(baseUrl: string, key: string, count: number, concurrency = 25): Promise<Subscriber[]> {
  const subscribers: Subscriber[] = [];
  await pool(count, concurrency, async (index) => {
    const client = createClient({
      url: wsUrl(baseUrl, `bench-sub-${index}`),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: (error) => console.error(`subscriber ${index}:`, error),
    });
    await new Promise<void>((resolve, reject) => {
      const off = client.on('connected', () => (off(), offClosed(), resolve()));
      const offClosed = client.on('closed', (event) => (off(), offClosed(), reject(new Error(`subscriber ${index} closed: ${JSON.stringify((event as CloseEvent).code)} ${(event as CloseEvent).reason}`))));
    });
    subscribers[index] = { client, arrivals: [], unsubscribe: null };
  });
  return subscribers;
}

/**
 * The document subscriber `index` watches: all the same (`distinct` false), or each its own (an
 * alias of its own, so no two can share an execution).
 */
export function documentFor(index: number, distinct: boolean): string {
  const alias = distinct ? `h${index}` : 'h';
  return `subscription Watch { healthCheckUpdated { type sequence ${alias}: healthCheck { uuid status completedWorkers totalWorkers } workerResult { workerName status healthScore } } }`;
}

export function subscribeAll(subscribers: Subscriber[], distinct: boolean): void {
  subscribers.forEach((subscriber, index) => {
    subscriber.arrivals = [];
    subscriber.unsubscribe = subscriber.client.subscribe<Record<string, any>>(
      { query: documentFor(index, distinct) },
      {
        next: (value) => {
          const event = value.data?.healthCheckUpdated;
          if (!event) return console.error(`subscriber ${index}: ${JSON.stringify(value).slice(0, 300)}`);
          const check = event[distinct ? `h${index}` : 'h'];
          subscriber.arrivals.push({ type: event.type, healthCheckUuid: check.uuid, at: performance.now() });
        },
        error: (error) => console.error(`subscriber ${index} error:`, error),
        complete: () => {},
      },
    );
  });
}

export async function unsubscribeAll(subscribers: Subscriber[]): Promise<void> {
  for (const subscriber of subscribers) {
    subscriber.unsubscribe?.();
    subscriber.unsubscribe = null;
  }
  // The completes travel to the hubs; give them a moment before the next subscribe.
  await sleep(300);
}

export async function closeSubscribers(subscribers: Subscriber[]): Promise<void> {
  await Promise.all(subscribers.map((subscriber) => subscriber.client.dispose()));
}

/** Waits until every subscriber has `count` events of `type` for the run, or throws after `timeoutMs`. */
export async function allReceived(subscribers: Subscriber[], healthCheckUuid: string, type: string, timeoutMs: number, count = 1): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const missing = subscribers.filter((s) => s.arrivals.filter((a) => a.healthCheckUuid === healthCheckUuid && a.type === type).length < count).length;
    if (missing === 0) return;
    if (performance.now() > deadline) throw new Error(`${missing} of ${subscribers.length} subscribers still lack ${type} of ${healthCheckUuid} after ${timeoutMs} ms`);
    await sleep(5);
  }
}

export interface PingSample {
  sentAt: number;
  rtt: number;
}

/** graphql-ws pings on sockets of their own, sent every `intervalMs` without waiting for the pong. */
export class PingProbe {
  readonly samples: PingSample[] = [];
  private sockets: WebSocket[] = [];
  private timers: NodeJS.Timeout[] = [];

  async start(baseUrl: string, key: string, sockets: number, intervalMs: number): Promise<void> {
    for (let i = 0; i < sockets; i++) {
      const socket = new WebSocket(wsUrl(baseUrl, `bench-ping-${i}`), 'graphql-transport-ws');
      const outstanding: number[] = [];
      await new Promise<void>((resolve, reject) => {
        socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
        socket.onerror = () => reject(new Error('ping socket failed'));
        socket.onmessage = (message) => {
          const data = JSON.parse(String(message.data)) as { type: string };
          if (data.type === 'connection_ack') resolve();
          else if (data.type === 'pong') {
            const sentAt = outstanding.shift();
            if (sentAt !== undefined) this.samples.push({ sentAt, rtt: performance.now() - sentAt });
          } else if (data.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
        };
      });
      this.sockets.push(socket);
      this.timers.push(
        setInterval(() => {
          if (socket.readyState !== WebSocket.OPEN) return;
          outstanding.push(performance.now());
          socket.send('{"type":"ping"}');
        }, intervalMs),
      );
    }
  }

  /** Samples sent within [from, to]. */
  between(from: number, to: number): number[] {
    return this.samples.filter((sample) => sample.sentAt >= from && sample.sentAt <= to).map((sample) => sample.rtt);
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    for (const socket of this.sockets) socket.close(1000);
  }
}
