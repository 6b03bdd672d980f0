/**
 * `npm start [-- --port N --persist-to DIR]`: starts the stack (scripts/stack.ts), then prints
 * how to use it. Env equivalents: WORKER_HEALTH_PORT, WORKER_HEALTH_PERSIST_TO.
 */
import { parseArgs } from 'node:util';
import { FLEET } from '../fleet/manifest';
import { startStack, type Stack } from './stack';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.WORKER_HEALTH_PORT ?? '8787' },
    'persist-to': { type: 'string', default: process.env.WORKER_HEALTH_PERSIST_TO ?? '.wrangler/state' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`--port must be a port number, not "${values.port}".`);
  process.exit(2);
}

// Ctrl-C or SIGTERM: while starting, abort; once running, stop wrangler (its own process group,
// so it hears this only through us) and exit when it has.
const starting = new AbortController();
let stack: Stack | undefined;
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping wrangler…`);
    if (stack) void stack.stop().then(() => process.exit(0));
    else starting.abort();
  });
}

const started = Date.now();
try {
  stack = await startStack({ port, persistTo: values['persist-to'], signal: starting.signal });
} catch (error) {
  if (stopping) process.exit(0);
  console.error(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
printBanner(stack, (Date.now() - started) / 1000);
const code = await stack.exited;
if (!stopping) {
  console.error(`wrangler dev exited (${code}).`);
  process.exit(typeof code === 'number' && code !== 0 ? code : 1);
}

function printBanner({ baseUrl, adminKey }: Stack, seconds: number) {
  const headers = JSON.stringify({ Authorization: `Bearer ${adminKey}` });
  const fleet = FLEET.map((worker) => worker.name).join(', ');
  console.log(`
────────────────────────────────────────────────────────────────────────
 worker-health is running (ready in ${seconds.toFixed(1)} s): orchestrator +
 ${fleet} (registered).

 Dashboard      ${baseUrl}/            (paste the admin key when asked)
 GraphiQL       ${baseUrl}/graphql
 Admin API key  ${adminKey}   (from .dev.vars)
 CLI            npm run cli -- check --watch

 Paste into GraphiQL's Headers tab:
   ${headers}

 Then run:
   mutation { initiateHealthCheck { healthCheckUuid status totalWorkers message } }

 and, with the uuid it returns:
   query {
     healthCheck(uuid: "<healthCheckUuid>") {
       status overallHealthScore healthStatus aiAnalysis aiRecommendations
       workerResults { workerName status healthScore healthStatus }
     }
   }

 Or from a shell:
   curl -s ${baseUrl}/graphql -H 'content-type: application/json' \\
     -H 'authorization: Bearer ${adminKey}' \\
     -d '{"query":"mutation { initiateHealthCheck { healthCheckUuid } }"}'

 Ctrl-C stops everything.
────────────────────────────────────────────────────────────────────────
`);
}
