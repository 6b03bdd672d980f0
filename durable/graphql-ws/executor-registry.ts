/**
 * How the EventHub gets its SubscriptionExecutor without importing the schema: index.ts, which
 * imports both, registers the factory once at module load:
 *
 *   import { setExecutorFactory } from './durable/graphql-ws/executor-registry';
 *   import { createSubscriptionExecutor } from './compose/subscription-executor';
 *   setExecutorFactory(createSubscriptionExecutor);
 *
 * Module state is per isolate, and the Durable Object classes exported from index.ts run in the
 * isolate that evaluated index.ts, so the registration precedes every EventHub instance. Keeping
 * durable/ free of a schema/ import keeps the dependency arrow `index.ts -> schema/` one way, and
 * lets tests register a fake.
 */
import type { SubscriptionExecutor, SubscriptionExecutorFactory } from './executor';

let registered: SubscriptionExecutorFactory | null = null;

export function setExecutorFactory(factory: SubscriptionExecutorFactory | null): void {
  registered = factory;
}

export function createExecutor(env: Env): SubscriptionExecutor {
  if (!registered) {
    throw new Error(
      'EventHub has no SubscriptionExecutor: call setExecutorFactory(createSubscriptionExecutor) in index.ts before serving requests',
    );
  }
  return registered(env);
}
