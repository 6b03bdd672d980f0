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

const client = createClient({
  url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
  connectionParams: { authorization: `Bearer ${key}` },
  lazy: false,
  retryAttempts: 0,
});
await new Promise<void>((resolve, reject) => {
  client.on('connected', () => resolve());
  client.on('closed', (event) => reject(new Error(`closed ${(event as CloseEvent).code}: ${(event as CloseEvent).reason}`)));
});
console.log(`watching ${baseUrl}/graphql${start ? '' : ' (Ctrl-C stops)'}`);

// Subscribed before the run starts, so STARTED is not missed; events of other runs are left out
// once this run's uuid is known.
let runUuid: string | null = null;
const early: { event: Event; arrived: Date }[] = [];
const finished = new Promise<void>((resolve, reject) => {
  client.subscribe<HealthCheckUpdatedSubscription>(
    { query: print(HealthCheckUpdatedDocument) },
    {
      next: ({ data, errors }) => {
        if (errors) return reject(new Error(JSON.stringify(errors)));
        const event = data!.healthCheckUpdated;
        const arrived = new Date();
        if (start && runUuid === null) return void early.push({ event, arrived });
        if (start && event.healthCheck.uuid !== runUuid) return;
        console.log(describe(event, arrived));
        if (start && event.type === 'COMPLETED') resolve();
      },
      error: reject,
      complete: resolve,
    },
  );
});

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
  for (const { event, arrived } of ours) console.log(describe(event, arrived));
  if (ours.some(({ event }) => event.type === 'COMPLETED')) {
    await client.dispose();
    process.exit(0);
  }
}
await finished;
await client.dispose();
