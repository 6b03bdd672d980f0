/**
 * Watches health checks live, as a monitoring client would: only the public graphql-ws client,
 * the typed client's subscription document, and the API key.
 *
 *   npm run watch                 print every run's events until Ctrl-C
 *   npm run watch -- --start      start a run, print it from STARTED to COMPLETED, then exit
 *
 * WORKER_HEALTH_URL (default http://localhost:8787) and WORKER_HEALTH_KEY (default: the
 * ADMIN_API_KEY of .dev.vars, as `npm start` made it) say where and as whom.
 */
import { existsSync, readFileSync } from 'node:fs';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { HealthCheckUpdatedDocument, type HealthCheckUpdatedSubscription } from '../client/generated/graphql';

const baseUrl = process.env.WORKER_HEALTH_URL ?? 'http://localhost:8787';
const key = process.env.WORKER_HEALTH_KEY ?? readDevVarsKey();
const start = process.argv.includes('--start');

function readDevVarsKey(): string {
  const file = new URL('../.dev.vars', import.meta.url);
  const match = existsSync(file) ? /^ADMIN_API_KEY=(.+)$/m.exec(readFileSync(file, 'utf8')) : null;
  if (!match) throw new Error('No API key: set WORKER_HEALTH_KEY, or run `npm start` once to create .dev.vars.');
  return match[1]!.trim();
}

type Event = HealthCheckUpdatedSubscription['healthCheckUpdated'];

function describe(event: Event, arrived: Date): string {
  const run = event.healthCheck;
  const at = arrived.toISOString().slice(11, 23);
  if (event.type === 'WORKER_RESULT' && event.workerResult) {
    const w = event.workerResult;
    const tests = [w.unitTests, w.performanceTests, w.integrationTests].map((s) => `${s.passed}/${s.total}`).join(' ');
    return `${at}  WORKER_RESULT  ${w.workerName.padEnd(16)} ${w.status.padEnd(9)} score ${w.healthScore.toFixed(4)} ${w.healthStatus ?? ''}  tests ${tests}${w.errorMessage ? `  ${w.errorMessage}` : ''}`;
  }
  if (event.type === 'COMPLETED') {
    return `${at}  COMPLETED      run ${run.uuid} ${run.status} score ${run.overallHealthScore.toFixed(4)} ${run.healthStatus ?? ''} (${run.passedWorkers} passed, ${run.failedWorkers} failed of ${run.totalWorkers})`;
  }
  return `${at}  ${event.type.padEnd(14)} run ${run.uuid} (${run.totalWorkers} workers)`;
}

/** What a close means for someone watching, by code (graphql-ws's 44xx, the platform's 10xx). */
function closeMessage(event: unknown): string {
  const { code, reason } = (event ?? {}) as { code?: number; reason?: string };
  const what = `${code ?? 'no code'}${reason ? ` ${reason}` : ''}`;
  switch (code) {
    case 4403:
      return `the server refused the API key (${what}): it is unknown or was revoked; set WORKER_HEALTH_KEY to a valid key`;
    case 4401:
    case 4408:
      return `the server closed the connection before it was authenticated (${what})`;
    case 1001:
    case 1012:
      return `the server went away (${what}): wrangler dev reloaded or stopped; run the watch again`;
    case 1006:
      return `the connection dropped (${what}): wrangler dev reloaded or stopped, or nothing runs at ${baseUrl} (\`npm start\`)`;
    default:
      return `the connection closed (${what})`;
  }
}

/**
 * A failed subscription or connection as one line: a close, a WebSocket error event (the upgrade
 * failed: nothing listening, or a non-101 answer), an Error, or graphql-ws's GraphQL errors.
 */
function failureMessage(error: unknown): string {
  if (Array.isArray(error)) return `the subscription was refused: ${error.map((e: { message?: unknown }) => e?.message).join('; ')}`;
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    if ('code' in error) return closeMessage(error);
    if ((error as { type?: unknown }).type === 'error') {
      const detail = (error as { message?: unknown }).message;
      return `could not connect to ${baseUrl}/graphql${detail ? ` (${String(detail)})` : ''}: is the stack running? (\`npm start\`)`;
    }
  }
  return String(error);
}

let stopping = false;

const client = createClient({
  url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
  connectionParams: { authorization: `Bearer ${key}` },
  lazy: false,
  retryAttempts: 0,
  // Called once the connection is given up (no retries): a failed upgrade may end with an error
  // event and no close event, so the `closed` listener below is not enough.
  onNonLazyError: (error) => {
    if (!stopping) fail(failureMessage(error));
  },
});

/** Ends the watch with a clear line and a non-zero exit, whatever went wrong and whenever. */
function fail(message: string): never {
  stopping = true;
  console.error(`watch: ${message}`);
  void client.dispose();
  process.exit(1);
}

async function stop(): Promise<never> {
  stopping = true;
  await client.dispose();
  process.exit(0);
}

// Any close we did not ask for ends the watch: a revoked key (4403), a wrangler reload, a crash.
client.on('closed', (event) => {
  if (!stopping) fail(closeMessage(event));
});
await new Promise<void>((resolve) => client.on('connected', () => resolve()));
console.log(`watching ${baseUrl}/graphql${start ? '' : ' (Ctrl-C stops)'}`);

// Subscribed before the run is started, so STARTED is normally seen. Not certainly: graphql-ws
// has no acknowledgement of a subscribe, and the run is started over HTTP, so the hub may publish
// STARTED before it has stored this subscription. Then the run's first line says so; the rest
// of the run still arrives. Events of other runs are left out once this run's uuid is known.
let runUuid: string | null = null;
let seenOurs = false;
const early: { event: Event; arrived: Date }[] = [];

function show(event: Event, arrived: Date): void {
  if (start && !seenOurs && event.type !== 'STARTED') console.log('(no STARTED: it was most likely published before this subscription was in place)');
  seenOurs = true;
  console.log(describe(event, arrived));
}

const finished = new Promise<void>((resolve, reject) => {
  client.subscribe<HealthCheckUpdatedSubscription>(
    { query: print(HealthCheckUpdatedDocument) },
    {
      next: ({ data, errors }) => {
        if (errors) return reject(new Error(`an event came with errors: ${errors.map((e) => e.message).join('; ')}`));
        const event = data!.healthCheckUpdated;
        const arrived = new Date();
        if (start && runUuid === null) return void early.push({ event, arrived });
        if (start && event.healthCheck.uuid !== runUuid) return;
        show(event, arrived);
        if (start && event.type === 'COMPLETED') resolve();
      },
      error: reject,
      complete: resolve,
    },
  );
});

try {
  if (start) {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: 'mutation { initiateHealthCheck { healthCheckUuid message } }' }),
    });
    const body = (await response.json()) as { data?: { initiateHealthCheck: { healthCheckUuid: string; message: string } }; errors?: unknown };
    if (!body.data) throw new Error(`initiateHealthCheck failed: ${JSON.stringify(body.errors)}`);
    runUuid = body.data.initiateHealthCheck.healthCheckUuid;
    console.log(body.data.initiateHealthCheck.message);
    const ours = early.filter(({ event }) => event.healthCheck.uuid === runUuid);
    for (const { event, arrived } of ours) show(event, arrived);
    if (ours.some(({ event }) => event.type === 'COMPLETED')) await stop();
  }
  await finished;
} catch (error) {
  fail(failureMessage(error));
}
await stop();
