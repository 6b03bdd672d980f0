/**
 * The soak's fleet: one Node HTTP server standing in for every registered worker (its URL is
 * http://127.0.0.1:<port>/w/<worker-name>). It checks each dispatch as the SDK does (signature with
 * that worker's own secret, body, worker_name), answers 202 at once, and hands the dispatch to the
 * soak, which decides what to send back. Deliveries go out like the SDK's: retried on network
 * errors and 5xx with its backoff, under the same webhook-id and body, signed afresh.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { backoffDelay } from '../../sdk/src/callback';
import { parseExecuteRequest, signedHeaders, verifyWebhook, type ExecuteRequest } from '../../sdk/src/protocol';

export interface Dispatch {
  workerName: string;
  request: ExecuteRequest;
  receivedAt: number;
}

export interface FleetStats {
  dispatches: number;
  /** Dispatches of a worker check that was dispatched before (the run object re-sent a batch). */
  repeatedDispatches: number;
  /** Dispatches refused: bad signature, bad body, another worker's name. Should stay 0. */
  refusedDispatches: { status: number; why: string }[];
}

export interface Fleet {
  port: number;
  stats: FleetStats;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startFleet(secretOf: (name: string) => string | undefined, onDispatch: (dispatch: Dispatch) => void): Promise<Fleet> {
  const stats: FleetStats = { dispatches: 0, repeatedDispatches: 0, refusedDispatches: [] };
  const seen = new Set<string>();
  const server: Server = createServer(async (request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const match = /^\/w\/([a-z0-9-]+)\/health-check\/execute$/.exec(request.url ?? '');
    if (!match || request.method !== 'POST') return reply(404, { error: 'not found' });
    const workerName = match[1]!;
    const body = await readBody(request);
    const secret = secretOf(workerName);
    const refuse = (status: number, why: string) => {
      stats.refusedDispatches.push({ status, why: `${workerName}: ${why}` });
      reply(status, { error: why });
    };
    if (!secret) return refuse(404, 'no such worker');
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers.set(name, value);
    const refused = verifyWebhook(secret, headers, body);
    if (refused !== null) return refuse(401, refused);
    if (headers.get('webhook-id')?.startsWith('dispatch_') !== true) return refuse(401, `unexpected webhook-id ${headers.get('webhook-id')}`);
    const parsed = parseExecuteRequest(body);
    if (!parsed.ok) return refuse(400, parsed.error);
    if (parsed.value.worker_name !== undefined && parsed.value.worker_name !== workerName) return refuse(403, `dispatch for ${parsed.value.worker_name}`);
    stats.dispatches++;
    reply(202, { accepted: true, worker_check_uuid: parsed.value.worker_check_uuid });
    if (seen.has(parsed.value.worker_check_uuid)) {
      // A worker keeps no state and would run again; the soak's fleet sends one genuine result per
      // check and counts the repeat (run-plan.ts: a batch cut short is dispatched again).
      stats.repeatedDispatches++;
      return;
    }
    seen.add(parsed.value.worker_check_uuid);
    onDispatch({ workerName, request: parsed.value, receivedAt: Date.now() });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    stats,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------------------------------------
// Deliveries

/** The orchestrator's answer to one delivery, as read from the wire. */
export interface Answer {
  /** HTTP status, or 0 for a network error. */
  status: number;
  success?: boolean;
  message?: string;
  /** `errors[0].extensions.code`. */
  code?: string;
  network?: string;
  at: number;
}

export interface Delivery {
  webhookId: string;
  /** Every attempt's answer, in order; the last is the final one. */
  answers: Answer[];
}

/** A bounded number of deliveries in flight, first come first served. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly slots: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export interface DeliverOptions {
  url: string;
  webhookId: string;
  body: string;
  /** The headers of an attempt: the SDK signs afresh each time; an exact copy reuses one set. */
  headers: () => Record<string, string>;
  limiter: Limiter;
  /** Attempts before giving up: far more than the SDK's 5, so a restart window is outlasted. */
  maxAttempts?: number;
}

/** POSTs a signed callback; retries network errors and 5xx like the SDK (deliverResult), never a 4xx or a GraphQL error. */
export async function deliver(options: DeliverOptions): Promise<Delivery> {
  const delivery: Delivery = { webhookId: options.webhookId, answers: [] };
  const maxAttempts = options.maxAttempts ?? 30;
  const retry = { maxAttempts, baseDelayMs: 500, maxDelayMs: 4_000 };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt - 1, retry)));
    const answer = await options.limiter.run(() => post(options.url, options.headers(), options.body));
    delivery.answers.push(answer);
    if (answer.status !== 0 && answer.status < 500) break;
  }
  return delivery;
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<Answer> {
  try {
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(60_000) });
    const text = await response.text();
    const answer: Answer = { status: response.status, at: Date.now() };
    try {
      const json = JSON.parse(text) as { data?: { reportWorkerResult?: { success: boolean; message: string } | null }; errors?: { message: string; extensions?: { code?: string } }[] };
      const result = json.data?.reportWorkerResult;
      if (result) {
        answer.success = result.success;
        answer.message = result.message;
      }
      const error = json.errors?.[0];
      if (error) {
        answer.code = error.extensions?.code ?? 'NO_CODE';
        answer.message = error.message;
      }
    } catch {
      answer.message = `not JSON: ${text.slice(0, 200)}`;
    }
    return answer;
  } catch (error) {
    return { status: 0, network: String((error as Error)?.cause ?? error), at: Date.now() };
  }
}

/** The SDK's headers for an attempt: signed now with the worker's own secret. */
export const signedNow = (secret: string, webhookId: string, body: string) => () => signedHeaders(secret, webhookId, body);
