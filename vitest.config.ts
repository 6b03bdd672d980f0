import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Tests run inside workerd against the orchestrator's real bindings (wrangler.toml): a local D1
// with the real migrations applied, real Durable Objects. tests/e2e drives `wrangler dev` from
// Node instead (vitest.e2e.config.ts).
export default defineConfig(async () => {
  const migrations = await readD1Migrations({
    migrationsDir: 'migrations',
    migrationsPattern: 'migrations/*/migration.sql',
  });
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_API_KEY: 'wh_test_admin_key_0123456789abcdef',
            HEALTH_CHECK_SIGNING_KEY: 'test-signing-key-0123456789abcdef',
          },
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
