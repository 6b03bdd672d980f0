/**
 * Starts one isolated stack for the e2e tests (scripts/stack.ts, what `npm start` runs): a free
 * port, throwaway D1/Durable Object state, its own dev registry. Tests read its address and the
 * admin key with `inject('baseUrl')` and `inject('adminKey')`.
 */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT } from '../../scripts/dev-vars';
import { buildGraphiQL } from '../../scripts/build-graphiql';
import { buildDashboard } from '../../dashboard/build.mjs';
import { freePort, startStack } from '../../scripts/stack';
import { buildClient } from './helpers/build-client';

declare module 'vitest' {
  export interface ProvidedContext {
    /** e.g. http://localhost:40123, the orchestrator; /graphql and /health under it. */
    baseUrl: string;
    /** The bootstrap admin key (ADMIN_API_KEY from .dev.vars). */
    adminKey: string;
  }
}

export default async function setup(project: TestProject) {
  const persistTo = mkdtempSync(path.join(tmpdir(), 'worker-health-e2e-'));
  // wrangler's output goes to a file that outlives the run, for when a test needs explaining.
  const logDir = path.join(ROOT, '.e2e');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, 'wrangler.log');
  const log = createWriteStream(logFile);

  // …and its end is kept in memory, so a stack that fails to start explains itself in CI too.
  let tail = '';
  const write = (chunk: string) => {
    log.write(chunk);
    tail = (tail + chunk).slice(-6_000);
  };

  const started = Date.now();
  // The CLI and client-package tests run the built client; it compiles while the stack starts.
  const clientBuilt = buildClient().then(
    () => null,
    (error: unknown) => error,
  );
  // GraphiQL's static files (assets/graphiql/) and the dashboard (assets/index.html), there
  // before wrangler dev starts serving them.
  await buildGraphiQL();
  await buildDashboard();
  const stack = await startStack({ port: await freePort(), persistTo, isolated: true, log: write }).catch(async (error: unknown) => {
    await clientBuilt;
    log.end();
    rmSync(persistTo, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`The e2e stack did not start: ${reason}\n--- end of wrangler output (all of it in ${logFile}) ---\n${tail}`);
  });
  const buildError = await clientBuilt;
  if (buildError) {
    await stack.stop();
    log.end();
    rmSync(persistTo, { recursive: true, force: true });
    throw buildError;
  }
  console.log(`e2e stack ready at ${stack.baseUrl} in ${((Date.now() - started) / 1000).toFixed(1)} s (wrangler output: ${logFile})`);

  project.provide('baseUrl', stack.baseUrl);
  project.provide('adminKey', stack.adminKey);

  return async () => {
    await stack.stop();
    await new Promise((resolve) => log.end(resolve));
    rmSync(persistTo, { recursive: true, force: true });
  };
}
