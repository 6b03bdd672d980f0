import { defineConfig } from 'vitest/config';

// End-to-end tests: plain Node vitest (not workerd) talking real HTTP to the stack `npm start`
// runs, started once in tests/e2e/global-setup.ts on a free port with throwaway state.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./tests/e2e/global-setup.ts'],
    // A cold start bundles four workers and applies migrations; a run takes seconds.
    hookTimeout: 180_000,
    testTimeout: 90_000,
    // One stack is shared by every file, and some files count its registry or run the whole fleet:
    // files run one after another, whatever the machine's core count.
    fileParallelism: false,
  },
});
