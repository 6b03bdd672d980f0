// Runs in Node, from vitest.config.ts: bundles the demo fleet (fleet/manifest.ts, built by
// fleet/build.mjs) so that Miniflare can run each as an auxiliary Worker beside the orchestrator
// under test, reached over the same service bindings as in `wrangler dev`; and beside them the
// test-only workers of tests/workers.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFleetWorker, bundleWorker } from '../../fleet/build.mjs';
import { FLEET } from '../../fleet/manifest';
import { deriveWorkerSecret } from '../../sdk/src/signing';

const RUNNER_WORKER_NAME = 'vitest-plugin-runner-';

/** The test D1 of a worker with its own database (the manifest's `ownDatabase`). */
const testDatabaseId = (name: string) => `${name}-test-db`;

/** data-factory's own D1, bound to the test runner too so a setup file can migrate it. */
export const DATA_FACTORY_DB_ID = testDatabaseId('data-factory');

/**
 * tests/workers/silent-worker.ts: accepts every dispatch properly signed for the worker it names
 * and never reports. Register any name under this binding for a worker that hangs after accepting.
 */
export const SILENT_WORKER = { name: 'silent-worker', binding: 'SILENT_WORKER' } as const;

/**
 * tests/workers/recording-worker.ts: keeps every dispatch as it arrived (202, nothing verified or
 * run), readable at `GET /recorded/<worker_check_uuid>` through the same binding.
 */
export const RECORDING_WORKER = { name: 'recording-worker', binding: 'RECORDING_WORKER' } as const;

/** A test-only worker, bundled like the fleet (SDK and standardwebhooks inlined). */
const bundleTestWorker = (file: string) => bundleWorker(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'workers', file));

export async function fleetWorkers(signingKey: string) {
  const silent = {
    name: SILENT_WORKER.name,
    modules: [{ type: 'ESModule' as const, path: `${SILENT_WORKER.name}.mjs`, contents: await bundleTestWorker('silent-worker.ts') }],
    compatibilityDate: '2026-11-02',
    compatibilityFlags: ['nodejs_compat'],
    // Test-only: it must verify dispatches for any name it is registered under.
    bindings: { HEALTH_CHECK_SIGNING_KEY: signingKey },
  };
  const recording = {
    name: RECORDING_WORKER.name,
    modules: [{ type: 'ESModule' as const, path: `${RECORDING_WORKER.name}.mjs`, contents: await bundleTestWorker('recording-worker.ts') }],
    compatibilityDate: '2026-11-02',
    compatibilityFlags: ['nodejs_compat'],
  };
  const fleet = await Promise.all(
    FLEET.map(async ({ name, ownDatabase }) => ({
      name,
      modules: [{ type: 'ESModule' as const, path: `${name}.mjs`, contents: await bundleFleetWorker(name) }],
      compatibilityDate: '2026-11-02',
      compatibilityFlags: ['nodejs_compat'],
      bindings: {
        HEALTH_CHECK_SECRET: await deriveWorkerSecret(signingKey, name),
        ORCHESTRATOR_URL: 'http://orchestrator',
      },
      // The orchestrator under test runs as the plugin's runner Worker, named
      // `vitest-plugin-runner-<project>` (getRunnerName in @cloudflare/vitest-plugin), not by its
      // wrangler.toml name; the default project's name is empty.
      serviceBindings: { ORCHESTRATOR: RUNNER_WORKER_NAME },
      ...(ownDatabase ? { d1Databases: { DB: testDatabaseId(name) } } : {}),
    })),
  );
  return [...fleet, silent, recording];
}
