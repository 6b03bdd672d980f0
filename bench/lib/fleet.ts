/**
 * The simulated fleet: one Node HTTP server in the bench process standing in for every registered
 * worker. Each worker is registered (registerWorker, through the API) with the URL
 * http://127.0.0.1:<port>/w/<name>, so the run's Durable Object POSTs its signed dispatch to
 * /w/<name>/health-check/execute. The fleet answers 202 at once and then (mode "auto") POSTs the
 * worker's result to the dispatch's callback_url as a genuine signed reportWorkerResult: the
 * worker's secret derived from HEALTH_CHECK_SIGNING_KEY with the SDK's deriveWorkerSecret, the
 * headers by the SDK's signedHeaders. In mode "hold" it keeps the dispatch for the bench to answer
 * later (callback ingestion, one event to many subscribers).
 *
 * Every worker reports three suites (5 unit, 3 performance, 2 integration tests). Worker numbers
 * ending in 7 report a broken run (every test failed, no orchestrator connectivity, an
 * errorMessage), which scores about 0.1: below the passing score, so the run's passedWorkers and
 * failedWorkers can be checked exactly against what the fleet sent.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { deriveWorkerSecret, REPORT_WORKER_RESULT_MUTATION, signedHeaders, type ExecuteRequest } from '../../sdk/src/protocol';

export interface HeldCheck {
  workerCheckUuid: string;
  healthCheckUuid: string;
  workerName: string;
  callbackUrl: string;
}

export interface RunTally {
  dispatches: number;
  callbacksSent: number;
  /** Callbacks the orchestrator answered `success: true`. */
  accepted: number;
  /** Of those, results the fleet reported as broken (expected to count as failed). */
  acceptedBroken: number;
  errors: string[];
  /** When the last callback was answered (performance.now()). */
  lastAnsweredAt: number;
}

export const isBroken = (workerName: string) => workerName.endsWith('7');

const test = (name: string, passed: boolean, durationMs: number) => ({
  name,
  status: passed ? 'PASSED' : 'FAILED',
  durationMs,
  error: passed ? null : `${name}: expected 200, got 500`,
});

/** A worker's result, as ReportWorkerResultInput. */
export function resultFor(workerCheckUuid: string, workerName: string) {
  const ok = !isBroken(workerName);
  const now = new Date().toISOString();
  return {
    workerCheckUuid,
    uptimeSeconds: 3600,
    memoryUsageMb: null,
    cpuUsagePercent: null,
    responseTimeMs: 12,
    orchestratorConnectivity: ok,
    externalApiConnectivity: null,
    databaseConnectivity: null,
    unitTests: Array.from({ length: 5 }, (_, i) => test(`unit ${i + 1}: parses its input`, ok, 0.4 + i / 10)),
    performanceTests: Array.from({ length: 3 }, (_, i) => test(`perf ${i + 1}: renders within budget`, ok, 4 + i)),
    integrationTests: Array.from({ length: 2 }, (_, i) => test(`integration ${i + 1}: upstream answers`, ok, 20 + i)),
    errorMessage: ok ? null : 'simulated: the run broke',
    warnings: ok ? [] : ['simulated warning'],
    startedAt: now,
    completedAt: now,
  };
}

export class SimFleet {
  private server!: Server;
  port = 0;
  mode: 'auto' | 'hold' = 'auto';
  readonly held: HeldCheck[] = [];
  private readonly tallies = new Map<string, RunTally>();
  private readonly secrets = new Map<string, Promise<string>>();
  /** Callbacks in flight now, and their time-weighted integral since `resetConcurrency`. */
  private inFlight = 0;
  private peak = 0;
  private area = 0;
  private since = performance.now();
  private lastChange = performance.now();
  /** Called on each dispatch received (after the 202 is sent). */
  onDispatch: ((check: HeldCheck) => void) | undefined;

  constructor(private readonly signingKey: string) {}

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      void this.handle(request).then(
        ({ status, body, check }) => {
          response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          response.end(body);
          if (check) this.accepted(check);
        },
        (error: unknown) => {
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: String(error) }));
        },
      );
    });
    this.server.keepAliveTimeout = 60_000;
    this.server.maxRequestsPerSocket = 0;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  urlFor(name: string): string {
    return `http://127.0.0.1:${this.port}/w/${name}`;
  }

  tally(healthCheckUuid: string): RunTally {
    let tally = this.tallies.get(healthCheckUuid);
    if (!tally) {
      tally = { dispatches: 0, callbacksSent: 0, accepted: 0, acceptedBroken: 0, errors: [], lastAnsweredAt: 0 };
      this.tallies.set(healthCheckUuid, tally);
    }
    return tally;
  }

  secret(name: string): Promise<string> {
    let secret = this.secrets.get(name);
    if (!secret) this.secrets.set(name, (secret = deriveWorkerSecret(this.signingKey, name)));
    return secret;
  }

  resetConcurrency(): void {
    this.peak = this.inFlight;
    this.area = 0;
    this.since = this.lastChange = performance.now();
  }

  /** Callbacks in flight since resetConcurrency: the peak and the time-weighted mean. */
  concurrency(): { peak: number; mean: number } {
    const now = performance.now();
    const area = this.area + this.inFlight * (now - this.lastChange);
    return { peak: this.peak, mean: now > this.since ? area / (now - this.since) : 0 };
  }

  private moveInFlight(delta: number) {
    const now = performance.now();
    this.area += this.inFlight * (now - this.lastChange);
    this.lastChange = now;
    this.inFlight += delta;
    this.peak = Math.max(this.peak, this.inFlight);
  }

  private async handle(request: IncomingMessage): Promise<{ status: number; body: string; check?: HeldCheck }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const match = /^\/w\/([a-z0-9-]+)\/health-check\/execute$/.exec(request.url ?? '');
    if (!match || request.method !== 'POST') return { status: 404, body: '{"error":"not found"}' };
    const dispatch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExecuteRequest;
    if (dispatch.worker_name !== match[1]) return { status: 403, body: '{"error":"not this worker"}' };
    const check: HeldCheck = {
      workerCheckUuid: dispatch.worker_check_uuid,
      healthCheckUuid: dispatch.health_check_uuid!,
      workerName: match[1]!,
      callbackUrl: dispatch.callback_url,
    };
    this.tally(check.healthCheckUuid).dispatches += 1;
    return { status: 202, body: JSON.stringify({ accepted: true, worker_check_uuid: check.workerCheckUuid }), check };
  }

  private accepted(check: HeldCheck) {
    this.onDispatch?.(check);
    if (this.mode === 'hold') this.held.push(check);
    else void this.report(check);
  }

  /** Sends one worker's signed result to its callback_url; answers whether it was recorded. */
  async report(check: HeldCheck): Promise<boolean> {
    const tally = this.tally(check.healthCheckUuid);
    const body = JSON.stringify({ query: REPORT_WORKER_RESULT_MUTATION, variables: { input: resultFor(check.workerCheckUuid, check.workerName) } });
    const headers = signedHeaders(await this.secret(check.workerName), `msg_${check.workerCheckUuid}`, body);
    tally.callbacksSent += 1;
    this.moveInFlight(1);
    try {
      const response = await fetch(check.callbackUrl, { method: 'POST', headers, body });
      const text = await response.text();
      const answer = JSON.parse(text) as { data?: { reportWorkerResult?: { success: boolean } }; errors?: unknown[] };
      if (answer.data?.reportWorkerResult?.success === true) {
        tally.accepted += 1;
        if (isBroken(check.workerName)) tally.acceptedBroken += 1;
        return true;
      }
      tally.errors.push(`${check.workerName}: HTTP ${response.status} ${text.slice(0, 300)}`);
      return false;
    } catch (error) {
      tally.errors.push(`${check.workerName}: ${String(error)}`);
      return false;
    } finally {
      this.moveInFlight(-1);
      tally.lastAnsweredAt = performance.now();
    }
  }
}
