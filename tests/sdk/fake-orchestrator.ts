/**
 * A stand-in for the orchestrator at the SDK's outer edge: a `Fetcher`-shaped object to pass as the
 * `ORCHESTRATOR` service binding. It answers `GET /health` and `POST /graphql` as told and records
 * every request it receives.
 */

export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** What `/graphql` does on the n-th callback (1-based): answer, or fail like a dropped connection. */
export type GraphqlBehaviour = (attempt: number, request: RecordedRequest) => Response | 'network-error' | Promise<Response | 'network-error'>;

export interface FakeOrchestratorOptions {
  /** Status of `GET /health`. Default 200. */
  healthStatus?: number;
  /** Delay before answering `GET /health`, milliseconds. */
  healthDelayMs?: number;
  graphql?: GraphqlBehaviour;
}

export function accepted(): Response {
  return Response.json({ data: { reportWorkerResult: { success: true, message: 'Result recorded' } } });
}

export function fakeOrchestrator(options: FakeOrchestratorOptions = {}) {
  const requests: RecordedRequest[] = [];
  const fetcher = {
    async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
      const request = new Request(input, init);
      const url = new URL(request.url);
      const recorded: RecordedRequest = {
        method: request.method,
        url: request.url,
        path: url.pathname,
        headers: Object.fromEntries(request.headers),
        body: await request.text(),
      };
      requests.push(recorded);
      if (url.pathname === '/health') {
        if (options.healthDelayMs) await new Promise((resolve) => setTimeout(resolve, options.healthDelayMs));
        return new Response('ok', { status: options.healthStatus ?? 200 });
      }
      if (url.pathname === '/graphql' && request.method === 'POST') {
        const attempt = requests.filter((r) => r.path === '/graphql').length;
        const answer = await (options.graphql ?? (() => accepted()))(attempt, recorded);
        if (answer === 'network-error') throw new TypeError('Network connection lost.');
        return answer;
      }
      return new Response('not found', { status: 404 });
    },
    connect(): Socket {
      throw new Error('the fake orchestrator has no sockets');
    },
  } satisfies Fetcher;

  return {
    fetcher: fetcher as Fetcher,
    requests,
    /** The `POST /graphql` deliveries, in order. */
    callbacks: () => requests.filter((r) => r.path === '/graphql'),
  };
}

/** The `variables.input` of a recorded callback. */
export function callbackInput(request: RecordedRequest): Record<string, any> {
  return JSON.parse(request.body).variables.input;
}
