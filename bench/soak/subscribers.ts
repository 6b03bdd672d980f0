/**
 * The soak's subscribers: `healthCheckUpdated(uuid)` over graphql-ws (the real client, Node's
 * WebSocket), several to each run, joining at its start, mid-run and after its end, spread over a
 * few sockets. A subscription cut by the server's restart is noted (what it got must still be a
 * story without a repeat) and made again, as a dashboard would: the new one's catch-up must bring
 * the whole story again.
 */
import { createClient, type Client } from 'graphql-ws';

export const STORY_DOCUMENT = 'subscription SoakStory($uuid: ID) { healthCheckUpdated(uuid: $uuid) { sequence type workerResult { uuid status } } }';

export interface StoryEvent {
  sequence: number;
  type: 'STARTED' | 'WORKER_RESULT' | 'COMPLETED';
  workerResult: { uuid: string; status: string } | null;
}

export interface Attempt {
  startedAt: number;
  events: StoryEvent[];
  /** How it ended: every number seen, the server's complete, an error (a cut socket, GraphQL errors), or still open. */
  end: 'whole' | 'complete' | 'error' | 'open';
  error?: string;
}

export interface Subscriber {
  runUuid: string;
  totalWorkers: number;
  /** When it joined: 'start' (right after initiate), '25%' / '50%' / '75%' of its results, 'end'. */
  joined: string;
  /** What the soak had seen recorded for the run when it joined (catch-up size, roughly). */
  recordedWhenJoined: number;
  attempts: Attempt[];
  done: Promise<void>;
}

export class SubscriberPool {
  private readonly clients: { client: Client; load: number }[] = [];
  readonly subscribers: Subscriber[] = [];
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly key: string,
    private readonly sockets: number,
    private readonly deadline: () => number,
  ) {}

  private client(): { client: Client; load: number } {
    let best = this.clients.reduce<{ client: Client; load: number } | undefined>((low, entry) => (!low || entry.load < low.load ? entry : low), undefined);
    // At most 20 subscriptions per socket (the hub's limit); keep well under it.
    if (!best || (best.load >= 15 && this.clients.length < this.sockets * 4) || this.clients.length < this.sockets) {
      best = {
        client: createClient({
          url: this.url,
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${this.key}` },
          lazy: true,
          // A cut socket ends its subscriptions: the soak makes them again itself, so each attempt's
          // events are its own (the client's own retry would mix two catch-ups into one stream).
          retryAttempts: 0,
          shouldRetry: () => false,
        }),
        load: 0,
      };
      this.clients.push(best);
    }
    return best;
  }

  /** Subscribes to a run's story until every number 1..totalWorkers+2 has come (or the soak's deadline). */
  watch(runUuid: string, totalWorkers: number, joined: string, recordedWhenJoined: number): Subscriber {
    const subscriber: Subscriber = { runUuid, totalWorkers, joined, recordedWhenJoined, attempts: [], done: Promise.resolve() };
    subscriber.done = this.follow(subscriber);
    this.subscribers.push(subscriber);
    return subscriber;
  }

  private async follow(subscriber: Subscriber): Promise<void> {
    const whole = subscriber.totalWorkers + 2;
    while (!this.closed && Date.now() < this.deadline()) {
      const attempt: Attempt = { startedAt: Date.now(), events: [], end: 'open' };
      subscriber.attempts.push(attempt);
      const entry = this.client();
      entry.load++;
      await new Promise<void>((resolve) => {
        const seen = new Set<number>();
        let settled = false;
        const settle = () => {
          if (settled) return;
          settled = true;
          clearInterval(timer);
          entry.load--;
          resolve();
        };
        const timer = setInterval(() => {
          if (this.closed || Date.now() > this.deadline()) {
            unsubscribe();
            settle();
          }
        }, 500);
        const unsubscribe = entry.client.subscribe<{ healthCheckUpdated: StoryEvent }>(
          { query: STORY_DOCUMENT, variables: { uuid: subscriber.runUuid } },
          {
            next: (result) => {
              if (result.errors?.length) {
                attempt.end = 'error';
                attempt.error = `GraphQL errors: ${JSON.stringify(result.errors).slice(0, 300)}`;
                return;
              }
              const event = result.data?.healthCheckUpdated;
              if (!event) return;
              attempt.events.push(event);
              seen.add(event.sequence);
              if (seen.size >= whole && [...seen].every((sequence) => sequence >= 1 && sequence <= whole)) {
                attempt.end = attempt.end === 'error' ? 'error' : 'whole';
                unsubscribe();
                settle();
              }
            },
            error: (error) => {
              if (attempt.end === 'open') {
                attempt.end = 'error';
                const close = error as { code?: number; reason?: string };
                attempt.error = typeof close?.code === 'number' ? `socket closed ${close.code} ${close.reason ?? ''}` : String((error as Error)?.message ?? error);
              }
              settle();
            },
            complete: () => {
              if (attempt.end === 'open') attempt.end = 'complete';
              settle();
            },
          },
        );
      });
      if (attempt.end === 'whole' || attempt.end === 'complete' || attempt.end === 'open') return;
      if (attempt.error?.startsWith('GraphQL errors')) return;
      // Cut (the restart): try again in a second, as a dashboard would.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.subscribers.map((subscriber) => subscriber.done));
    await Promise.allSettled(this.clients.map(({ client }) => client.dispose()));
  }
}

export interface StoryVerdict {
  complete: boolean;
  /** Why not, when not. */
  problems: string[];
  /** Live events that came after a higher number (the README allows it for results at the same moment). */
  outOfOrder: number;
  /** Attempts cut by the restart before they had the whole story. */
  cut: number;
}

/**
 * A subscriber saw its run's whole story: its last attempt has every number 1..n+2 once, STARTED
 * (1) first, COMPLETED (n+2), a WORKER_RESULT for each other number with distinct worker checks of
 * this run; every earlier (cut) attempt repeated nothing. `checks` is the run's worker checks and
 * the sequence D1 gave each.
 */
export function judgeStory(subscriber: Subscriber, checks: Map<string, number | null>): StoryVerdict {
  const problems: string[] = [];
  const whole = subscriber.totalWorkers + 2;
  let outOfOrder = 0;
  let cut = 0;
  subscriber.attempts.forEach((attempt, index) => {
    const last = index === subscriber.attempts.length - 1;
    const seen = new Map<number, StoryEvent>();
    let highest = 0;
    for (const event of attempt.events) {
      if (seen.has(event.sequence)) problems.push(`attempt ${index + 1}: sequence ${event.sequence} twice`);
      seen.set(event.sequence, event);
      if (event.sequence < highest) outOfOrder++;
      highest = Math.max(highest, event.sequence);
    }
    if (!last) {
      cut++;
      if (attempt.end !== 'error') problems.push(`attempt ${index + 1} ended ${attempt.end} and was made again`);
      return;
    }
    if (attempt.end === 'error') problems.push(`last attempt failed: ${attempt.error}`);
    if (attempt.end === 'open') problems.push(`still open at the deadline with ${seen.size} of ${whole} events`);
    const missing: number[] = [];
    for (let sequence = 1; sequence <= whole; sequence++) if (!seen.has(sequence)) missing.push(sequence);
    if (missing.length) problems.push(`missing ${missing.length} of ${whole}: ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}`);
    const extra = [...seen.keys()].filter((sequence) => sequence < 1 || sequence > whole);
    if (extra.length) problems.push(`numbers outside 1..${whole}: ${extra.join(', ')}`);
    if (attempt.events[0] && (attempt.events[0].sequence !== 1 || attempt.events[0].type !== 'STARTED')) {
      problems.push(`first event is ${attempt.events[0].type} ${attempt.events[0].sequence}, not STARTED 1`);
    }
    const started = seen.get(1);
    if (started && started.type !== 'STARTED') problems.push(`1 is ${started.type}`);
    const completed = seen.get(whole);
    if (completed && completed.type !== 'COMPLETED') problems.push(`${whole} is ${completed.type}`);
    const workers = new Set<string>();
    for (const [sequence, event] of seen) {
      if (sequence === 1 || sequence === whole) continue;
      if (event.type !== 'WORKER_RESULT' || !event.workerResult) {
        problems.push(`${sequence} is ${event.type} without a worker`);
        continue;
      }
      if (workers.has(event.workerResult.uuid)) problems.push(`worker check ${event.workerResult.uuid} twice`);
      workers.add(event.workerResult.uuid);
      if (!checks.has(event.workerResult.uuid)) problems.push(`worker check ${event.workerResult.uuid} is not this run's`);
      else if (checks.get(event.workerResult.uuid) !== null && checks.get(event.workerResult.uuid) !== sequence) {
        problems.push(`worker check ${event.workerResult.uuid} came as ${sequence}, D1 numbers it ${checks.get(event.workerResult.uuid)}`);
      }
    }
  });
  return { complete: problems.length === 0, problems, outOfOrder, cut };
}
