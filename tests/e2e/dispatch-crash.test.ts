/**
 * Kill -9 in the middle of a dispatch batch, against the real `wrangler dev`: a stack of its own
 * (scripts/stack.ts, its own port and state, not the shared e2e stack) dispatches a fleet of 40
 * workers registered by URL against a slow fake worker in this process; wrangler and workerd are
 * SIGKILLed while the first batch is in flight, and a new stack started on the same state carries
 * on from the run object's alarm. Every worker is dispatched, none is left pending, and the run
 * ends COMPLETED with exact counts.
 */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { prepareSecrets, ROOT } from '../../scripts/dev-vars';
import { freePort, startStack, type Stack } from '../../scripts/stack';
import { deriveWorkerSecret, REPORT_WORKER_RESULT_MUTATION, signedHeaders, verifyWebhook } from '../../sdk/src/protocol';
import { graphqlData } from './helpers/graphql';

const WORKERS = 40; // a batch of 25, then 15
const NAMES = Array.from({ length: WORKERS }, (_, i) => `slow-${String(i).padStart(2, '0')}`);
/** How long the fake worker takes to accept a dispatch: a batch of 25, six at a time, takes ~2 s. */
const ACCEPT_DELAY_MS = 400;
/** The stack dies when this many dispatches have arrived: the first six answered, two in flight. */
const KILL_AT_DISPATCH = 8;

interface Dispatch {
  workerCheckUuid: string;
  workerName: string;
  /** Which stack sent it: 1 before the kill, 2 after. */
  life: number;
}

const persistTo = mkdtempSync(path.join(tmpdir(), 'worker-health-crash-'));
mkdirSync(path.join(ROOT, '.e2e'), { recursive: true });
const logFile = path.join(ROOT, '.e2e', 'dispatch-crash-wrangler.log');
const log = createWriteStream(logFile);
let stack: Stack | undefined;
let fleet: Server | undefined;

afterAll(async () => {
  await stack?.stop();
  await new Promise<void>((resolve) => (fleet ? fleet.close(() => resolve()) : resolve()));
  await new Promise((resolve) => log.end(resolve));
  rmSync(persistTo, { recursive: true, force: true });
});

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve(body)).on('error', reject);
  });

const graphql = <T>(baseUrl: string, adminKey: string, query: string, variables?: Record<string, unknown>) => graphqlData<T>(baseUrl, adminKey, query, variables);

interface Run {
  status: string;
  totalWorkers: number;
  completedWorkers: number;
  passedWorkers: number;
  failedWorkers: number;
  workerResults: { uuid: string; workerName: string; status: string }[];
}
const RUN = `query ($uuid: ID!) { healthCheck(uuid: $uuid) {
  status totalWorkers completedWorkers passedWorkers failedWorkers workerResults { uuid workerName status } } }`;

it('a run whose stack is killed -9 mid-batch dispatches every worker after the restart and completes with exact counts', { timeout: 240_000 }, async () => {
  const { signingKey } = await prepareSecrets();
  const secrets = new Map(await Promise.all(NAMES.map(async (name) => [name, await deriveWorkerSecret(signingKey, name)] as const)));
  let life = 1;
  const dispatches: Dispatch[] = [];
  let killed: Promise<void> | undefined;

  // The fake fleet: /w/<name>/health-check/execute verifies the dispatch was signed for <name>,
  // then takes ACCEPT_DELAY_MS to answer 202, like a worker slow to accept.
  fleet = createServer(async (request, response) => {
    const body = await readBody(request);
    const name = /^\/w\/([^/]+)\/health-check\/execute$/.exec(request.url ?? '')?.[1] ?? '';
    const secret = secrets.get(name);
    const refused = secret ? verifyWebhook(secret, new Headers(request.headers as Record<string, string>), body) : 'unknown worker';
    if (refused) {
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: refused }));
      return;
    }
    const dispatch = JSON.parse(body) as { worker_check_uuid: string; worker_name: string };
    dispatches.push({ workerCheckUuid: dispatch.worker_check_uuid, workerName: dispatch.worker_name, life });
    if (life === 1 && dispatches.length === KILL_AT_DISPATCH) killed = stack!.kill();
    await new Promise((resolve) => setTimeout(resolve, ACCEPT_DELAY_MS));
    if (!response.destroyed) response.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
  });
  const fleetPort = await freePort();
  await new Promise<void>((resolve) => fleet!.listen(fleetPort, '127.0.0.1', resolve));

  const port = await freePort();
  const start = () => startStack({ port, persistTo, isolated: true, log: (chunk) => log.write(chunk) });
  stack = await start();
  const { baseUrl, adminKey } = stack;
  for (const name of NAMES) {
    await graphql(baseUrl, adminKey, 'mutation ($input: RegisterWorkerInput!) { registerWorker(input: $input) { name } }', {
      input: { name, type: 'slow', url: `http://127.0.0.1:${fleetPort}/w/${name}` },
    });
  }
  const started = await graphql<{ initiateHealthCheck: { healthCheckUuid: string } }>(
    baseUrl,
    adminKey,
    'mutation ($input: InitiateHealthCheckInput) { initiateHealthCheck(input: $input) { healthCheckUuid } }',
    { input: { workerFilters: ['slow'], includeUnitTests: false, includePerformanceTests: false, includeIntegrationTests: false } },
  );
  const uuid = started.initiateHealthCheck.healthCheckUuid;

  // Killed from the fake worker's handler at the KILL_AT_DISPATCH-th dispatch.
  for (let i = 0; !killed; i++) {
    if (i > 600) throw new Error(`only ${dispatches.length} dispatches arrived; the kill never came`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await killed;
  const beforeKill = dispatches.length;
  expect(beforeKill).toBeLessThan(25); // the first batch was cut short

  // A new stack on the same state: the run object's alarm brings it back.
  life = 2;
  stack = await start();
  let run: Run | undefined;
  for (const deadline = Date.now() + 60_000; ; ) {
    run = (await graphql<{ healthCheck: Run }>(baseUrl, adminKey, RUN, { uuid })).healthCheck;
    if (run.workerResults.every((w) => w.status !== 'PENDING')) break;
    if (Date.now() > deadline) {
      const pending = run.workerResults.filter((w) => w.status === 'PENDING').map((w) => w.workerName);
      throw new Error(`still PENDING 60 s after the restart (${dispatches.length} dispatches, ${beforeKill} before the kill): ${pending.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  // Every worker was dispatched and accepted; the ones interrupted were dispatched again.
  expect(run.status).toBe('RUNNING');
  expect(run.workerResults.map((w) => w.status)).toEqual(Array(WORKERS).fill('RUNNING'));
  const sent = new Set(dispatches.map((d) => d.workerCheckUuid));
  for (const worker of run.workerResults) expect(sent.has(worker.uuid), worker.workerName).toBe(true);
  expect(dispatches.filter((d) => d.life === 2).length).toBeGreaterThanOrEqual(WORKERS - beforeKill);

  // Each worker reports, signed with its own secret: the run completes with exact counts.
  const now = new Date().toISOString();
  for (const worker of run.workerResults) {
    const input = {
      workerCheckUuid: worker.uuid,
      uptimeSeconds: 1,
      responseTimeMs: 20,
      orchestratorConnectivity: true,
      unitTests: [{ name: 'works', status: 'PASSED', durationMs: 1 }],
      performanceTests: [],
      integrationTests: [],
      warnings: [],
      startedAt: now,
      completedAt: now,
    };
    const body = JSON.stringify({ query: REPORT_WORKER_RESULT_MUTATION, variables: { input } });
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(secrets.get(worker.workerName)!, `msg_${crypto.randomUUID()}`, body) },
      body,
    });
    const answer = (await response.json()) as { data?: { reportWorkerResult: { success: boolean } }; errors?: unknown[] };
    expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    expect(answer.data?.reportWorkerResult.success).toBe(true);
  }
  for (const deadline = Date.now() + 20_000; run.status === 'RUNNING' && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    run = (await graphql<{ healthCheck: Run }>(baseUrl, adminKey, RUN, { uuid })).healthCheck;
  }
  expect(run).toMatchObject({ status: 'COMPLETED', totalWorkers: WORKERS, completedWorkers: WORKERS, passedWorkers: WORKERS, failedWorkers: 0 });
  expect(run.workerResults.map((w) => w.status)).toEqual(Array(WORKERS).fill('COMPLETED'));
});
