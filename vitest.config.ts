import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { DATA_FACTORY_DB_ID, RECORDING_WORKER, SILENT_WORKER, fleetWorkers } from './tests/setup/fleet-workers';
import { startAlertReceiver } from './tests/workers/alert-receiver';

const SIGNING_KEY = 'test-signing-key-0123456789abcdef';

// Tests run inside workerd against the orchestrator's real bindings (wrangler.toml): a local D1
// with the real migrations applied, real Durable Objects. tests/e2e drives `wrangler dev` from
// Node instead (vitest.e2e.config.ts).
export default defineConfig(async () => {
  const migrations = await readD1Migrations({
    migrationsDir: 'migrations',
    migrationsPattern: 'migrations/*/migration.sql',
  });
  const dataFactoryMigrations = await readD1Migrations('fleet/data-factory/migrations');
  // Alert notifications go to a local receiver over HTTP (tests/workers/alert-receiver.ts), as
  // they would go to Slack, Discord, PagerDuty or a webhook.
  const alertReceiver = await startAlertReceiver();
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            TEST_DATA_FACTORY_MIGRATIONS: dataFactoryMigrations,
            ADMIN_API_KEY: 'wh_test_admin_key_0123456789abcdef',
            HEALTH_CHECK_SIGNING_KEY: SIGNING_KEY,
            PUBLIC_URL: 'http://orchestrator',
            // Small EventHub limits, so tests can reach every cap: 2 shards of 3 sockets, 3
            // subscriptions per socket, 1 s to send connection_init (tests/event-hub, tests/subscriptions).
            EVENT_HUB_SHARDS: '2',
            EVENT_HUB_MAX_SOCKETS: '3',
            EVENT_HUB_MAX_SUBSCRIPTIONS: '3',
            EVENT_HUB_INIT_TIMEOUT_MS: '1000',
            // Alert delivery: the receiver's address; a 1 s timeout, retries after 1, 2, 4 s
            // (wrangler.toml's top level retries 3 times, then dead-letters).
            ALERT_RECEIVER_URL: alertReceiver.url,
            ALERT_DELIVERY_TIMEOUT_MS: '1000',
            ALERT_RETRY_BASE_SECONDS: '1',
          },
          d1Databases: { DB: 'worker-health-test-db', TEST_DATA_FACTORY_DB: DATA_FACTORY_DB_ID },
          // The demo fleet, bundled, beside the orchestrator: the real workers a run dispatches to;
          // and test-only workers: one that accepts signed dispatches and never reports, one that
          // keeps every dispatch as it arrived.
          workers: await fleetWorkers(SIGNING_KEY),
          // Beside wrangler.toml's AGENT_FACTORY, DATA_FACTORY and UI_FACTORY.
          serviceBindings: { [SILENT_WORKER.binding]: SILENT_WORKER.name, [RECORDING_WORKER.binding]: RECORDING_WORKER.name },
        },
      }),
    ],
    test: {
      include: ['tests/**/*.test.ts'],
      exclude: ['tests/e2e/**'],
      setupFiles: ['./tests/setup/apply-migrations.ts'],
    },
  };
});
