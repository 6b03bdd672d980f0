import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach } from 'vitest';

// Setup files run before every test file; applying is idempotent (the migrations table says
// what is already applied).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await applyD1Migrations(env.TEST_DATA_FACTORY_DB, env.TEST_DATA_FACTORY_MIGRATIONS);

// Storage is isolated per test file, not per test: start every test from empty tables.
beforeEach(async () => {
  await env.DB.batch(
    ['schedule_runs', 'webhook_deliveries', 'worker_health_checks', 'health_checks', 'health_check_schedules', 'workers', 'api_keys'].map((table) =>
      env.DB.prepare(`DELETE FROM ${table}`),
    ),
  );
});
