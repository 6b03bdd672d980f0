// Runs in Node, from vitest.config.ts: bundles the demo fleet (fleet/build.mjs) so that
// Miniflare can run each as an auxiliary Worker beside the orchestrator under test, reached over
// the same service bindings as in `wrangler dev`.
import { bundleFleetWorker } from '../../fleet/build.mjs';
import { deriveWorkerSecret } from '../../sdk/src/signing';

export const FLEET = [
  { name: 'agent-factory', binding: 'AGENT_FACTORY' },
  { name: 'data-factory', binding: 'DATA_FACTORY' },
  { name: 'ui-factory', binding: 'UI_FACTORY' },
] as const;

const RUNNER_WORKER_NAME = 'vitest-plugin-runner-';

/** data-factory's own D1, bound to the test runner too so a setup file can migrate it. */
export const DATA_FACTORY_DB_ID = 'data-factory-test-db';

export async function fleetWorkers(signingKey: string) {
  return Promise.all(
    FLEET.map(async ({ name }) => ({
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
      ...(name === 'data-factory' ? { d1Databases: { DB: DATA_FACTORY_DB_ID } } : {}),
    })),
  );
}
