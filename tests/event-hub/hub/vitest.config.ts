import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// All of tests/event-hub, including the EventHub Durable Object against real workerd sockets,
// hibernation and alarms through the fixture Worker beside this file, independent of the
// orchestrator's wrangler.toml. The root config runs the pure tests too and skips the hub's (no
// EVENT_HUB_FIXTURE var there).
//   vitest run --config tests/event-hub/hub/vitest.config.ts
export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: fileURLToPath(new URL('./wrangler.toml', import.meta.url)) } })],
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['**/*.test.ts'],
  },
});
