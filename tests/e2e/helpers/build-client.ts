/**
 * Compiles @worker-health/client (client/ → client/dist) for the e2e tests, which run the built
 * CLI and pack the package. It writes over the previous build rather than deleting it first, so a
 * second e2e run on the same checkout never finds dist/ missing; `npm run build:client` (and
 * `npm pack` through prepack) starts from an empty dist/.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLIENT_DIR = path.join(ROOT, 'client');
/** The built `worker-health` command (the package's bin). */
export const CLI_PATH = path.join(CLIENT_DIR, 'dist/src/cli.js');
/** The project's Node 22 (vitest runs on it; node_modules/.bin/node otherwise). */
export const NODE = Number(process.versions.node.split('.')[0]) >= 22 ? process.execPath : path.join(ROOT, 'node_modules/.bin/node');
export const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

export async function buildClient(): Promise<void> {
  try {
    await promisify(execFile)(NODE, [TSC, '-p', path.join(CLIENT_DIR, 'tsconfig.build.json')], { cwd: ROOT });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`Building the client (tsc -p client/tsconfig.build.json) failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}
