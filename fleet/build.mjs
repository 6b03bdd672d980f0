// Bundles each demo fleet worker into fleet/dist/<name>.js (one ES module, SDK and dependencies
// inlined) so Miniflare can load it as an auxiliary worker in tests. `wrangler dev` does not need
// this: it bundles fleet/<name>/index.ts itself.
//
//   node fleet/build.mjs            build every worker of fleet/manifest.ts
//   import { bundleFleetWorker }    the same options, in memory (e.g. from vitest.config.ts)
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const fleetDir = path.dirname(fileURLToPath(import.meta.url));

/** esbuild options for a worker entry file: what wrangler would do for workerd, minus its dev extras. */
export function workerBuildOptions(entry) {
  return {
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2023',
    // Pick the worker builds of dependencies; `main` too, since standardwebhooks is CommonJS only.
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['workerd', 'worker', 'browser', 'module', 'main'],
    // Provided by workerd itself (node:* with the nodejs_compat flag each wrangler.toml sets).
    external: ['cloudflare:*', 'node:*'],
    logLevel: 'warning',
  };
}

/** esbuild options for one fleet worker. */
export function fleetBuildOptions(name) {
  return workerBuildOptions(path.join(fleetDir, name, 'index.ts'));
}

/** Any worker entry's bundle as a string, nothing written (e.g. test-only workers). */
export async function bundleWorker(entry) {
  const result = await build({ ...workerBuildOptions(entry), write: false });
  return result.outputFiles[0].text;
}

/** One worker's bundle as a string, nothing written. */
export async function bundleFleetWorker(name) {
  return bundleWorker(path.join(fleetDir, name, 'index.ts'));
}

/**
 * The fleet's names, from fleet/manifest.ts. Loaded through tsx (as `npm start` loads its
 * scripts) so that plain `node` runs this file, and only when needed, so importing this file for
 * `bundleFleetWorker` loads nothing more.
 */
export async function fleetNames() {
  const { tsImport } = await import('tsx/esm/api');
  const { FLEET } = await tsImport('./manifest.ts', import.meta.url);
  return FLEET.map((worker) => worker.name);
}

/** Writes fleet/dist/<name>.js for every worker of the manifest; returns the paths. */
export async function buildFleet(outdir = path.join(fleetDir, 'dist')) {
  return Promise.all(
    (await fleetNames()).map(async (name) => {
      const outfile = path.join(outdir, `${name}.js`);
      await build({ ...fleetBuildOptions(name), outfile });
      return outfile;
    }),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const file of await buildFleet()) console.log(`built ${path.relative(process.cwd(), file)}`);
}
