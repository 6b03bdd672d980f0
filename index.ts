export { HealthCheckRun } from './durable/health-check-run';
export { HealthCheckOps } from './entrypoints/health-check-ops';
export { EventHub } from './durable/event-hub';
import { setExecutorFactory } from './durable/graphql-ws/executor-registry';
import { routeSubscriptionUpgrade, shardCount } from './durable/graphql-ws/shards';
import { createSubscriptionExecutor } from './compose/subscription-executor';
import { healthResponse } from './http/health';
import { deploymentProblem } from './http/settings';
import { serveGraphQL } from './http/serve';
import { runCronTick } from './operations/cron';
import { createOperationDeps } from './durable/operation-deps';
import { consumeAlertBatch } from './operations/alerts/consume';
import { chaosResponse } from './http/chaos';

// The EventHub runs subscriptions with the schema through this registry: durable/ stays free of
// schema/ imports, and the classes exported above run in this isolate, after this line.
setExecutorFactory(createSubscriptionExecutor);

async function handleGraphQL(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  // graphql-ws: a WebSocket upgrade goes to a hub shard, which checks it and speaks the protocol.
  if (request.headers.get('Upgrade')?.trim().toLowerCase() === 'websocket') {
    return routeSubscriptionUpgrade(request, env.EVENT_HUB, shardCount(env.EVENT_HUB_SHARDS));
  }
  return serveGraphQL(request, env, ctx);
}

/** Every route's answer while the deployment is misconfigured: 503, with the reason and the fix. */
function misconfigured(problem: string): Response {
  return Response.json(
    { status: 'fail', errors: [{ message: `This orchestrator is misconfigured: ${problem}`, extensions: { code: 'INTERNAL_SERVER_ERROR' } }] },
    { status: 503, headers: { 'cache-control': 'no-store' } },
  );
}

export default {
  // Every minute (wrangler.toml [triggers]): due schedules, stranded runs, expired webhook-ids.
  async scheduled(controller, env, ctx): Promise<void> {
    const problem = deploymentProblem(env);
    // A tick would start runs whose results could never come back; say why, once a minute, instead.
    if (problem) return void console.error(JSON.stringify({ event: 'cron.misconfigured', error: problem }));
    const deps = createOperationDeps(env, (promise) => ctx.waitUntil(promise));
    await runCronTick(deps, new Date(controller.scheduledTime));
  },

  // The alerts queue and its dead-letter queue (wrangler.toml [[queues.consumers]]): evaluating
  // alert rules after a run, and delivering each notification with retries.
  async queue(batch, env, ctx): Promise<void> {
    await consumeAlertBatch(createOperationDeps(env, (promise) => ctx.waitUntil(promise)), batch);
  },

  async fetch(request, env, ctx): Promise<Response> {
    const url = new URL(request.url);
    const problem = deploymentProblem(env);
    if (problem) return misconfigured(problem);
    if (url.pathname === '/health') return healthResponse(env);
    if (url.pathname === '/graphql') return handleGraphQL(request, env, ctx);
    const chaos = await chaosResponse(url, request, env);
    if (chaos) return chaos;
    // The dashboard at / is assets/index.html, served by Workers static assets before the Worker
    // runs (wrangler.toml [assets]); this answers only where it was not built (npm run build:dashboard).
    if (url.pathname === '/') return Response.redirect(new URL('/graphql', url).toString(), 302);
    return Response.json({ error: `No route for ${url.pathname}. The API is at /graphql.` }, { status: 404 });
  },
} satisfies ExportedHandler<Env>;
