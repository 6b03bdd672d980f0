/**
 * The orchestrator as `npm run bench` runs it: `wrangler dev bench/instrumentation/entry.ts -c
 * wrangler.toml --var BENCH_COUNT_D1:true` (bench/lib/stack.ts). Everything is the orchestrator's
 * own (index.ts and its classes, wrangler.toml's bindings), with two additions and no edit to it:
 *
 * - every `env.DB` the orchestrator sees, in the Worker's handlers and in its Durable Objects and
 *   entrypoint alike, counts its statements (counting-d1.ts): the classes exported here are the
 *   orchestrator's, constructed with an env whose DB is the counting wrapper;
 * - bench/instrumentation/route.ts answers /__bench/* first.
 *
 * The Worker and its Durable Objects run in one isolate under `wrangler dev`, so they share the one
 * count. Without BENCH_COUNT_D1 = "true" this is the orchestrator unchanged.
 */
import worker, { EventHub as BaseEventHub, HealthCheckOps as BaseHealthCheckOps, HealthCheckRun as BaseHealthCheckRun } from '../../index';
import * as orchestrator from '../../index';
import { countingD1, countingEnabled, noteUnwrapped } from './counting-d1';
import { benchRoute } from './route';

// Whatever else the orchestrator exports (a class added later, say) is exported as it is; the
// explicit exports below take precedence over these for the names they share.
export * from '../../index';

/** The classes below construct with a counting env; any other class export would not count. */
const WRAPPED = new Set(['default', 'HealthCheckRun', 'EventHub', 'HealthCheckOps']);
noteUnwrapped(Object.entries(orchestrator).filter(([name, value]) => typeof value === 'function' && !WRAPPED.has(name)).map(([name]) => name));

const wrapped = new WeakMap<object, Env>();

/** `env` with its DB counting statements (one wrapper per env object), when the bench asks for it. */
export function countingEnv(env: Env): Env {
  if (!countingEnabled(env as { BENCH_COUNT_D1?: string })) return env;
  let instrumented = wrapped.get(env);
  if (!instrumented) {
    instrumented = Object.assign(Object.create(Object.getPrototypeOf(env) as object) as Env, env, { DB: countingD1(env.DB) });
    wrapped.set(env, instrumented);
  }
  return instrumented;
}

export class HealthCheckRun extends BaseHealthCheckRun {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countingEnv(env));
  }
}

export class EventHub extends BaseEventHub {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countingEnv(env));
  }
}

export class HealthCheckOps extends BaseHealthCheckOps {
  constructor(ctx: ExecutionContext, env: Env) {
    super(ctx, countingEnv(env));
  }
}

export default {
  async fetch(request, env, ctx) {
    const bench = await benchRoute(new URL(request.url), request, env as Env & { BENCH_COUNT_D1?: string });
    if (bench) return bench;
    return worker.fetch!(request, countingEnv(env), ctx);
  },
  async scheduled(controller, env, ctx) {
    return worker.scheduled!(controller, countingEnv(env), ctx);
  },
  async queue(batch, env, ctx) {
    return worker.queue!(batch as never, countingEnv(env), ctx);
  },
} satisfies ExportedHandler<Env>;
